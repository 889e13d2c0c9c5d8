package mailparse

import (
	"reflect"
	"testing"
	"time"
)

// fuzzNow keeps the date check independent of the wall clock, so that
// two parses of one input always agree.
func fuzzNow() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }

func FuzzParse(f *testing.F) {
	seeds := []string{
		"From: Ann <ann@acme.example>\r\nTo: rep@team.example\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\nDate: Tue, 2 Apr 2024 10:59:58 +0200\r\nMessage-ID: <a@b>\r\n\r\nHello\r\n> quoted\r\n-- \r\nsig\r\n",
		"Subject: s\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n<p>caf=E9</p>\n--b\nContent-Type: text/plain\n\nplain\n--b--\n",
		"From x Mon Jan 1 2024\nSubject: \x1b$B$3$s\x1b(B\nContent-Type: multipart/mixed; boundary=\"o\"\n\n--o\nContent-Type: message/rfc822\n\nSubject: inner\n\nbody\n--o\nContent-Type: application/pdf; name*=utf-8''a%20b.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--o\nContent-Type: text/calendar\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n",
		"Subject: broken\nthis line has no colon\nContent-Type: multipart/mixed\n\n--x\n\nguess me\n--x--",
		"To: g: a@b, c@d;, \"=?bogus?b?AAA?=\" <e@f>\nDate: 29 Feb 92 25:61 XYZ\n\n\x00\xff\xfe",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		opts := Options{Now: fuzzNow}
		m, err := Parse(raw, opts)
		checkResult(t, "Parse", m, err)
		again, err2 := Parse(raw, opts)
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(m, again) {
			t.Fatalf("Parse is not deterministic:\n%+v, %v\n%+v, %v", m, err, again, err2)
		}
		h, err := ParseHeader(raw, opts)
		checkResult(t, "ParseHeader", h, err)
	})
}

// typicalHeader is the header block of an ordinary reply, as IMAP
// BODY[HEADER] returns it.
const typicalHeader = "Return-Path: <ann.buyer@acme.example>\r\n" +
	"Delivered-To: rep@team.example\r\n" +
	"Received: from mail-ed1-f41.google.com (mail-ed1-f41.google.com [209.85.208.41])\r\n" +
	"\tby mx.team.example (Postfix) with ESMTPS id 4V7Yq71n3Pz1x\r\n" +
	"\tfor <rep@team.example>; Tue,  2 Apr 2024 08:59:59 +0000 (UTC)\r\n" +
	"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=acme.example; s=20230601; t=1712048398;\r\n" +
	"\th=to:subject:message-id:date:from:in-reply-to:references:mime-version;\r\n" +
	"\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n" +
	"\tb=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6\r\n" +
	"MIME-Version: 1.0\r\n" +
	"References: <CAB1x2y3z@mail.gmail.com> <CAC4d5e6f@mail.team.example>\r\n" +
	"In-Reply-To: <CAC4d5e6f@mail.team.example>\r\n" +
	"From: Ann Buyer <ann.buyer@acme.example>\r\n" +
	"Date: Tue, 2 Apr 2024 10:59:58 +0200\r\n" +
	"Message-ID: <CAD7g8h9i0j@mail.gmail.com>\r\n" +
	"Subject: Re: =?UTF-8?Q?Pricing_for_Q3_=E2=80=93_revised?=\r\n" +
	"To: Rep One <rep@team.example>\r\n" +
	"Cc: \"Lead, Sales\" <lead@team.example>, procurement@acme.example\r\n" +
	"Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3d4e5f6\"\r\n" +
	"\r\n"

func BenchmarkParseHeader(b *testing.B) {
	raw := []byte(typicalHeader)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHeader(raw, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
