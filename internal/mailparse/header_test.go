package mailparse

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestSubjectDecoding(t *testing.T) {
	tests := []struct {
		name, header, want string
	}{
		{"plain", "Subject: Pricing  for\r\n\tQ3", "Pricing for Q3"},
		{"q latin-1", "Subject: =?iso-8859-1?q?Caf=E9?=", "Café"},
		{"cp1252 labelled latin-1", "Subject: =?iso-8859-1?q?=93quoted=94?=", "“quoted”"},
		{"adjacent words", "Subject: =?utf-8?q?Caf=C3=A9?= =?utf-8?b?IOKclA==?=", "Café ✔"},
		{"character split across words", "Subject: =?UTF-8?B?4pw=?= =?UTF-8?B?lA==?=", "✔"},
		{"words and text", "Subject: Re: =?utf-8?q?J=C3=B6rg?= and you", "Re: Jörg and you"},
		{"iso-2022-jp word", "Subject: =?ISO-2022-JP?B?GyRCJF4kXyRgJGEkYhsoQg==?=", "まみむめも"},
		{"raw iso-2022-jp", "Subject: \x1b$B$^$_$`$a$b\x1b(B", "まみむめも"},
		{"koi8-r word", "Subject: =?koi8-r?b?8NLJ18XU?=", "Привет"},
		{"euc-kr by alias", "Subject: =?ks_c_5601-1987?B?x9Gxub7u?=", "한국어"},
		{"unknown charset", "Subject: =?x-bogus?q?abc?=", "abc"},
		{"bad base64 padding", "Subject: =?NONE?B?VEVTVA=?=", "TEST"},
		{"not a word", "Subject: a =? b ?= c", "a =? b ?= c"},
		{"raw utf-8", "Subject: Grüße", "Grüße"},
		{"raw latin-1", "Subject: Gr\xfc\xdfe", "Grüße"},
		{"raw in body charset", "Subject: \xc7\xd1\xb1\xb9\xbe\xee\r\nContent-Type: text/plain; charset=euc-kr", "한국어"},
		{"control characters", "Subject: a\x01b\x7fc", "a b c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseHeader([]byte(tt.header), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.want {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.want)
			}
		})
	}
}

func TestParticipants(t *testing.T) {
	tests := []struct {
		name, header string
		want         []model.Participant
	}{
		{"quoted encoded name", `From: "=?utf-8?q?J=C3=B6rg?=" <Joerg@Example.COM>`,
			[]model.Participant{{Email: "joerg@example.com", Name: "Jörg", Role: model.RoleFrom}}},
		{"comment name", "From: ann@acme.example (Ann Buyer)",
			[]model.Participant{{Email: "ann@acme.example", Name: "Ann Buyer", Role: model.RoleFrom}}},
		{"group", "To: team: a@x.example, b@x.example;, c@y.example",
			[]model.Participant{{Email: "a@x.example", Role: model.RoleTo}, {Email: "b@x.example", Role: model.RoleTo}, {Email: "c@y.example", Role: model.RoleTo}}},
		{"undisclosed", "To: undisclosed-recipients:;", nil},
		{"missing comma", "From: Bob Dunite <bob@extern.example> Bobby Dunite <bobby@extern.example>",
			[]model.Participant{{Email: "bob@extern.example", Name: "Bob Dunite", Role: model.RoleFrom}, {Email: "bobby@extern.example", Name: "Bobby Dunite", Role: model.RoleFrom}}},
		{"broken encoded word with colon", "From: =?utf-8?Q?Shop=C2=AE :)?= <news@shop.example>",
			[]model.Participant{{Email: "news@shop.example", Name: "Shop® :)", Role: model.RoleFrom}}},
		{"raw latin-1 name", "From: J\xf6rg <j@x.example>",
			[]model.Participant{{Email: "j@x.example", Name: "Jörg", Role: model.RoleFrom}}},
		{"duplicates and roles", "To: a@x.example, A@X.example\r\nCc: a@x.example\r\nBcc: b@x.example",
			[]model.Participant{{Email: "a@x.example", Role: model.RoleTo}, {Email: "a@x.example", Role: model.RoleCc}, {Email: "b@x.example", Role: model.RoleBcc}}},
		{"obsolete comments", "From: Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>",
			[]model.Participant{{Email: "pete@silly.test", Name: "Pete", Role: model.RoleFrom}}},
		{"no domain", "To: Nathaniel <nsb>", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseHeader([]byte(tt.header), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m.Participants, tt.want) {
				t.Errorf("Participants =\n%+v\nwant\n%+v (problems %q)", m.Participants, tt.want, m.Problems)
			}
		})
	}
}

func TestMessageIDs(t *testing.T) {
	tests := []struct {
		name, header   string
		id, inReplyTo  string
		references     []string
		keyIsMessageID bool
	}{
		{"brackets", "Message-ID: <A.b@Host.example>", "A.b@Host.example", "", nil, true},
		{"spaces and comment", "Message-ID:  < a@b >  (added by postmaster)", "a@b", "", nil, true},
		{"bare id", "Message-ID: 1234@host.example", "1234@host.example", "", nil, true},
		{"folded id", "Message-ID: <invalid.\r\n something@bar.net>", "invalid.something@bar.net", "", nil, true},
		{"in-reply-to prose", "In-Reply-To: Your message of Mon, 1 Jan\r\nMessage-ID: <x@y>", "x@y", "", nil, true},
		{"in-reply-to first", "In-Reply-To: <a@x> <b@x>", "", "a@x", nil, false},
		{"references", "References: <r1@x> <r2@x>,<r3@x>\r\nReferences: <r2@x> <r4@x>", "", "", []string{"r1@x", "r2@x", "r3@x", "r4@x"}, false},
		{"empty brackets", "Message-ID: <>", "", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseHeader([]byte(tt.header), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if m.MessageID != tt.id || m.InReplyTo != tt.inReplyTo || !reflect.DeepEqual(m.References, tt.references) {
				t.Errorf("ids = %q, %q, %q; want %q, %q, %q", m.MessageID, m.InReplyTo, m.References, tt.id, tt.inReplyTo, tt.references)
			}
			if got := m.Key == m.MessageID; got != tt.keyIsMessageID || !tt.keyIsMessageID && !strings.HasPrefix(m.Key, "sha256:") {
				t.Errorf("Key = %q", m.Key)
			}
		})
	}
}

func TestReferencesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("References:")
	for i := range 300 {
		b.WriteString(" <r" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + "@x>")
	}
	m, err := ParseHeader([]byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.References) != maxReferences || m.References[0] != "ra@x" || m.References[maxReferences-1] != "rn"+strings.Repeat("x", 11)+"@x" {
		t.Errorf("%d references, first %q, last %q", len(m.References), m.References[0], m.References[len(m.References)-1])
	}
}

func TestDates(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   string // RFC 3339, or "" for the zero time with a problem
	}{
		{"Tue, 2 Apr 2024 10:59:58 +0200", "2024-04-02T10:59:58+02:00"},
		{"2 Apr 2024 10:59:58 -0000", "2024-04-02T10:59:58Z"},
		{"Thu,  6 Feb 1992 11:51:37 -0500 (EST)", "1992-02-06T11:51:37-05:00"},
		{"Sat, 13 Jun 92 11:23:08 JST", "1992-06-13T11:23:08+09:00"},
		{"Fri, 29 Nov 91 07:13:35 EST", "1991-11-29T07:13:35-05:00"},
		{"Tue, 17 Mar 92 13:27 CST", "1992-03-17T13:27:00-06:00"},
		{"Tue, 22 Jan 2002 14:35:28 UT", "2002-01-22T14:35:28Z"},
		{"Tue, 12 Oct 2010 16:21:05 H0500", "2010-10-12T16:21:05Z"},
		{"Sat, 20 Sep 2008 20:04:30 +0300 (\xf9\xf2\xe5\xef)", "2008-09-20T20:04:30+03:00"},
		{"Mon, 02 Jan 2006 15:04:05 GMT+0200", "2006-01-02T15:04:05+02:00"},
		{"Mon Jan  2 15:04:05 2006", "2006-01-02T15:04:05Z"},
		{"2024-04-02T10:59:58+02:00", "2024-04-02T10:59:58+02:00"},
		{"Monday, 2 January 2006 15:04:05 +0100", "2006-01-02T15:04:05+01:00"},
		{"<HR>", ""},
		{"Wed, 15 Dec 2010    59:10 -0500", ""},
		{"Thu, 13 Feb 1969 23:32 -0330 (Newfoundland Time)", ""},
		{"Mon, 30 Jun 3609 15:33:50 +0600", ""},
		{"Mon, 1 Jun 2026 15:33:50 +0600", ""},
	}
	for _, tt := range tests {
		m, err := ParseHeader([]byte("Date: "+tt.header), Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if !m.Date.IsZero() {
			got = m.Date.Format(time.RFC3339)
		}
		if got != tt.want {
			t.Errorf("Date %q = %q, want %q", tt.header, got, tt.want)
		}
		if got == "" && !hasProblem(m, "Date") {
			t.Errorf("Date %q: no problem reported", tt.header)
		}
	}
}

// TestDerivedKey checks that a message without Message-ID gets the same
// key in every mailbox it is seen in, and different messages differ.
func TestDerivedKey(t *testing.T) {
	base := "From: Ann <ann@acme.example>\r\nTo: rep@team.example\r\nCc: lead@team.example\r\nSubject: Quote\r\nDate: Tue, 2 Apr 2024 10:59:58 +0200\r\n"
	key := func(header string) string {
		t.Helper()
		m, err := ParseHeader([]byte(header), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(m.Key, "sha256:") || len(m.Key) != len("sha256:")+64 {
			t.Fatalf("Key = %q", m.Key)
		}
		return m.Key
	}
	want := key(base)
	same := []struct{ name, header string }{
		{"other mailbox", "Received: from mx2 by mx3; Tue, 2 Apr 2024 09:00:00 +0000\r\nDelivered-To: lead@team.example\r\nReturn-Path: <ann@acme.example>\r\n" + base + "X-UID: 42\r\nStatus: RO\r\n"},
		{"refolded", "From: Ann\r\n <ann@acme.example>\r\nTo:   rep@team.example\r\nCc: lead@team.example\r\nSubject: Quote\r\nDate: Tue, 2 Apr 2024\r\n 10:59:58 +0200\r\n"},
		{"address case and name", "From: \"Ann B.\" <ANN@acme.example>\r\nTo: Rep <rep@team.example>\r\nCc: lead@TEAM.example\r\nSubject: =?utf-8?q?Quote?=\r\nDate: Tue, 2 Apr 2024 10:59:58 +0200\r\n"},
		{"again", base},
	}
	for _, tt := range same {
		if got := key(tt.header); got != want {
			t.Errorf("%s: key %q, want %q", tt.name, got, want)
		}
	}
	different := []struct{ name, header string }{
		{"subject", strings.Replace(base, "Quote", "Quote 2", 1)},
		{"date", strings.Replace(base, "10:59:58", "10:59:59", 1)},
		{"from", strings.Replace(base, "ann@", "bob@", 1)},
		{"cc moved to to", strings.Replace(base, "Cc: lead", "To: lead", 1)},
	}
	for _, tt := range different {
		if got := key(tt.header); got == want {
			t.Errorf("%s: same key as the original", tt.name)
		}
	}
}
