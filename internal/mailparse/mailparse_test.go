package mailparse

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"empty", "", ErrEmpty},
		{"white space", " \r\n\t\n", ErrEmpty},
		{"no header", "// Not an RFC-822 Document", ErrNoHeader},
		{"prose", "Hello there,\nhow are you?\n", ErrNoHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse([]byte(tt.raw), Options{}); !errors.Is(err, tt.want) {
				t.Errorf("Parse error = %v, want %v", err, tt.want)
			}
			if _, err := ParseHeader([]byte(tt.raw), Options{}); !errors.Is(err, tt.want) {
				t.Errorf("ParseHeader error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseSimple(t *testing.T) {
	raw := crlf(`Return-Path: <ann@acme.example>
Received: from mx.acme.example by mx.team.example; Tue, 2 Apr 2024 09:00:01 +0000
From: "Ann Buyer" <Ann.Buyer@ACME.example>
Sender: assistant@acme.example
To: rep@team.example, "Lead, Sales" <lead@team.example>
Cc: =?utf-8?q?J=C3=B6rg?= <joerg@acme.example>
Reply-To: ann@acme.example
Subject: Re: Pricing for Q3
Date: Tue, 2 Apr 2024 10:59:58 +0200
Message-ID: < 20240402.abc@acme.example >
In-Reply-To: <first@team.example> <second@team.example>
References: <root@team.example>
 <first@team.example>
Content-Type: text/plain; charset=utf-8

Works for us. Can we sign on Friday?

> old quoted text
-- 
Ann
`)
	m := mustParse(t, raw)
	want := model.Message{
		Key:       "20240402.abc@acme.example",
		MessageID: "20240402.abc@acme.example",
		Date:      time.Date(2024, 4, 2, 10, 59, 58, 0, time.FixedZone("", 2*3600)),
		Subject:   "Re: Pricing for Q3",
		Participants: []model.Participant{
			{Email: "ann.buyer@acme.example", Name: "Ann Buyer", Role: model.RoleFrom},
			{Email: "assistant@acme.example", Role: model.RoleSender},
			{Email: "ann@acme.example", Role: model.RoleReplyTo},
			{Email: "rep@team.example", Role: model.RoleTo},
			{Email: "lead@team.example", Name: "Lead, Sales", Role: model.RoleTo},
			{Email: "joerg@acme.example", Name: "Jörg", Role: model.RoleCc},
		},
		InReplyTo:  "first@team.example",
		References: []string{"root@team.example", "first@team.example"},
		Snippet:    "Works for us. Can we sign on Friday?",
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", m, want)
	}
	h, err := ParseHeader(raw, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want.Snippet = ""
	if !reflect.DeepEqual(h, want) {
		t.Errorf("ParseHeader =\n%+v\nwant\n%+v", h, want)
	}
}

// TestParseDegrades feeds broken messages: each must still yield what can
// be read, plus a problem saying what could not.
func TestParseDegrades(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		problem string // part of an expected problem; "" for none
		subject string
		snippet string
	}{
		{"unknown charset", "Subject: s\nContent-Type: text/plain; charset=x-bogus\n\nCaf\xe9 au lait", "unknown charset", "s", "Café au lait"},
		{"unknown transfer encoding", "Subject: s\nContent-Transfer-Encoding: x-foo\n\nplain words", "unknown transfer encoding", "s", "plain words"},
		{"line without colon", "From: a@b.example\nthis is junk\nSubject: kept\n\nbody", "malformed header line", "kept", "body"},
		{"line with a space in the name", "Subject: kept\nquite Delivered-To: x@y\nTo: a@b.example\n\nbody", "malformed header line", "kept", "body"},
		{"missing Content-Type", "Subject: s\nMIME-Version: 1.0\n\nbody", "no Content-Type", "s", "body"},
		{"no closing boundary", "Subject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\npart one\n--b\nContent-Type: text/plain\n\npart two", "no closing boundary", "s", "part one"},
		{"wrong boundary", "Subject: s\nContent-Type: multipart/mixed; boundary=zz\n\n--real\n\nfound it\n--real--\n", "guessed", "s", "found it"},
		{"no boundary at all", "Subject: s\nContent-Type: multipart/mixed\n\njust text", "no boundary delimiter", "s", "just text"},
		{"NUL bytes", "Subject: a\x00b\n\nbo\x00dy", "NUL bytes", "ab", "bo dy"},
		{"mbox From line", "From ann@acme.example Mon Jan  1 00:00:00 2024\nSubject: s\n\nbody", "mbox", "s", "body"},
		{"no blank line", "Subject: s\nFrom: a@b.example\nHello there,\nsee you soon", "no blank line", "s", "Hello there, see you soon"},
		{"whitespace blank line", "Subject: s\n \nbody text", "white space", "s", "body text"},
		{"header starts with space", " Subject: s\n\nbody", "starts with white space", "s", "body"},
		{"fold without indent", "Subject: s\nContent-Type: text/plain;\ncharset=utf-8\n\nbody", "folded without", "s", "body"},
		{"latin-1 header", "Subject: Caf\xe9\n\nbody", "", "Café", "body"},
		{"utf-8 header", "Subject: Café ☕\n\nbody", "", "Café ☕", "body"},
		{"mislabelled base64", "Subject: s\nContent-Transfer-Encoding: base64\n\nthis is, in fact, plain text.\n", "not; read as is", "s", "this is, in fact, plain text."},
		{"broken content type", "Subject: s\nContent-Type: text/plain charset=\"utf-8\"\n\nbody", "malformed Content-Type", "s", "body"},
		{"bad date", "Subject: s\nDate: sometime soon\n\nbody", "unreadable Date", "s", "body"},
		{"future date", "Subject: s\nDate: Tue, 1 Jan 2999 00:00:00 +0000\n\nbody", "implausible Date", "s", "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, raw := range [][]byte{[]byte(tt.raw), crlf(tt.raw)} {
				m, err := Parse(raw, Options{})
				checkResult(t, tt.name, m, err)
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if m.Subject != tt.subject || m.Snippet != tt.snippet {
					t.Errorf("subject, snippet = %q, %q; want %q, %q", m.Subject, m.Snippet, tt.subject, tt.snippet)
				}
				if tt.problem != "" && !hasProblem(m, tt.problem) {
					t.Errorf("problems %q lack %q", m.Problems, tt.problem)
				}
			}
		})
	}
}

func TestParseAttachments(t *testing.T) {
	raw := crlf(`From: a@acme.example
Subject: files
Date: Tue, 2 Apr 2024 10:59:58 +0200
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/html; charset=utf-8

<p>HTML version</p>
--alt
Content-Type: text/plain; charset=utf-8

Plain version
--alt--
--outer
Content-Type: application/pdf; name="quote.pdf"
Content-Disposition: attachment; filename*=iso-8859-1''Devis%20%E9t%E9.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer
Content-Type: image/png
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--outer
Content-Type: text/calendar; method=REQUEST; charset=utf-8
Content-Transfer-Encoding: quoted-printable

BEGIN:VCALENDAR
METHOD:REQ=
UEST
END:VCALENDAR
--outer
Content-Type: message/rfc822

Subject: Forwarded =?utf-8?q?caf=C3=A9?=
From: b@acme.example

inner body
--outer
Content-Type: message/rfc822

From: c@acme.example

no subject
--outer--
`)
	m := mustParse(t, raw)
	if m.Snippet != "Plain version" {
		t.Errorf("Snippet = %q, want the text/plain alternative", m.Snippet)
	}
	want := []model.Attachment{
		{Name: "Devis été.pdf", ContentType: "application/pdf", Size: 9},
		{Name: "", ContentType: "image/png", Size: 8},
		{Name: "Forwarded café", ContentType: "message/rfc822", Size: 76},
		{Name: "message.eml", ContentType: "message/rfc822", Size: 34},
	}
	if !reflect.DeepEqual(m.Attachments, want) {
		t.Errorf("Attachments =\n%+v\nwant\n%+v", m.Attachments, want)
	}
	if len(m.Calendars) != 1 || string(m.Calendars[0]) != "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR" {
		t.Errorf("Calendars = %q", m.Calendars)
	}
	if len(m.Problems) != 0 {
		t.Errorf("Problems = %q", m.Problems)
	}
}

func TestParseSnippetOptions(t *testing.T) {
	raw := crlf("Subject: s\n\n" + strings.Repeat("word ", 100))
	tests := []struct {
		len  int
		want int // runes
	}{{0, 299}, {-1, 0}, {12, 9}}
	for _, tt := range tests {
		m, err := Parse(raw, Options{SnippetLen: tt.len})
		if err != nil {
			t.Fatal(err)
		}
		if n := len([]rune(m.Snippet)); n != tt.want {
			t.Errorf("SnippetLen %d: snippet %q has %d runes, want %d", tt.len, m.Snippet, n, tt.want)
		}
	}
}

// TestDeepNesting builds a message nested 10,000 levels deep: parsing it
// must stay fast and say that the inner levels were skipped.
func TestDeepNesting(t *testing.T) {
	const depth = 10000
	var b strings.Builder
	b.WriteString("From: a@acme.example\r\nSubject: deep\r\n")
	for i := range depth {
		b.WriteString("Content-Type: multipart/mixed; boundary=\"b")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(strconv.Itoa(i))
		b.WriteString("\"\r\n\r\n--b")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(strconv.Itoa(i))
		b.WriteString("\r\n")
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ninnermost\r\n")
	for i := depth - 1; i >= 0; i-- {
		b.WriteString("--b" + strings.Repeat("x", i%7) + strconv.Itoa(i) + "--\r\n")
	}
	start := time.Now()
	m := mustParse(t, []byte(b.String()))
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("parsing took %v", elapsed)
	}
	if !hasProblem(m, "nested deeper") {
		t.Errorf("problems %q lack the nesting limit", m.Problems)
	}
	if m.Subject != "deep" {
		t.Errorf("Subject = %q", m.Subject)
	}
}

func TestManyParts(t *testing.T) {
	var b strings.Builder
	b.WriteString("Subject: many\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for range 5000 {
		b.WriteString("--b\r\nContent-Type: image/gif\r\n\r\nx\r\n")
	}
	b.WriteString("--b--\r\n")
	m := mustParse(t, []byte(b.String()))
	if len(m.Attachments) != maxParts-1 || !hasProblem(m, "MIME parts") {
		t.Errorf("%d attachments, problems %q", len(m.Attachments), m.Problems)
	}
}

// TestHostileInput feeds inputs built to make a careless parser
// quadratic; each must be read in well under a second.
func TestHostileInput(t *testing.T) {
	const n = 50000
	tests := map[string]string{
		"stray encoded-word starts": "Subject: " + strings.Repeat("=?a?q?x", n) + "\r\nTo: " + strings.Repeat("=?a?q?x", n) + "\r\n\r\n",
		"broken address list":       "To: " + strings.Repeat("\"a\" <b@c> (", n) + "\r\n\r\n",
		"many fields":               strings.Repeat("X-A: b\r\n", n) + "\r\n",
		"long fold":                 "Subject: a\r\n" + strings.Repeat(" b\r\n", n) + "\r\n",
		"broken lines":              "Subject: a\r\n" + strings.Repeat("junk\r\nX: y\r\n", n) + "\r\n",
		"near-boundaries":           "Content-Type: multipart/mixed; boundary=a\r\n\r\n" + strings.Repeat("--ab\r\n--a", n),
		"boundary to guess":         "Content-Type: multipart/mixed; boundary=zz\r\n\r\n" + strings.Repeat("--a\r\n", n),
		"deep html":                 "Content-Type: text/html\r\n\r\n" + strings.Repeat("<div><blockquote>", n),
		"many references":           "References: " + strings.Repeat("<a@b> ", n) + "\r\n\r\n",
		"many parameters":           "Content-Type: text/plain; " + strings.Repeat("a*=\"x\"; ", n) + "\r\n\r\nx",
		"quoted-printable equals":   "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + strings.Repeat("=", 10*n),
		"quoted lines":              "Subject: x\r\n\r\n" + strings.Repeat("> \n", 10*n),
	}
	for name, raw := range tests {
		start := time.Now()
		m, err := Parse([]byte(raw), Options{})
		checkResult(t, name, m, err)
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("%s: took %v", name, elapsed)
		}
	}
}
