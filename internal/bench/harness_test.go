package bench

import (
	"bytes"
	"net/mail"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestCommandParser checks that the proxy names commands by their first
// words and never takes literal data for a command.
func TestCommandParser(t *testing.T) {
	var got []string
	cp := &commandParser{count: func(name string) { got = append(got, name) }}
	stream := "a1 LOGIN {5}\r\nrep01 {6+}\r\nsecret\r\n" +
		"a2 select INBOX\r\n" +
		"a3 UID FETCH 1:* (UID BODY.PEEK[HEADER])\r\n" +
		"a4 APPEND Sent {26}\r\nx1 FETCH 1 (not a command)\r\n" +
		"a5 IDLE\r\nDONE\r\n" +
		"a6 Uid Search 5:*\r\n"
	// Feed it in awkward pieces, as TCP may deliver it.
	for i := 0; i < len(stream); i += 7 {
		cp.feed([]byte(stream[i:min(i+7, len(stream))]))
	}
	want := []string{"LOGIN", "SELECT", "UID FETCH", "APPEND", "IDLE", "UID SEARCH"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("commands = %q, want %q", got, want)
	}
}

// TestGeneratorIsDeterministicAndReadable generates a small mailbox twice:
// the bytes must be the same, every message must have the headers the
// benchmark relies on, and the shares must be near the spec.
func TestGeneratorIsDeterministicAndReadable(t *testing.T) {
	team := teamOf(4, "ourco.example")
	spec := mailboxSpec{
		seed: 1, rep: team[0], colleagues: team[1:], teamDomain: "ourco.example",
		inbox: 300, sent: 60, customers: 20, internalShare: 1.0 / 3,
		attachShare: 0.1, attachMin: 2000, attachMax: 5000,
		end: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), span: 30 * 24 * time.Hour,
	}
	var first [][]byte
	for m := range newGenerator(spec).messages() {
		first = append(first, m.msg.Raw)
	}
	exp := newExpectation()
	i := 0
	for m := range newGenerator(spec).messages() {
		if !bytes.Equal(m.msg.Raw, first[i]) {
			t.Fatalf("message %d differs between two generations of the same spec", i)
		}
		i++
		exp.add(m)
		msg, err := mail.ReadMessage(bytes.NewReader(m.msg.Raw))
		if err != nil {
			t.Fatalf("message %d: %v\n%s", i, err, m.msg.Raw)
		}
		for _, h := range []string{"From", "To", "Date", "Subject", "Message-Id", "Content-Type"} {
			if msg.Header.Get(h) == "" {
				t.Errorf("message %d has no %s", i, h)
			}
		}
		if got := strings.Trim(msg.Header.Get("Message-Id"), "<>"); got != m.key {
			t.Errorf("message %d: Message-ID %q, key %q", i, got, m.key)
		}
		if _, err := mail.ParseAddressList(msg.Header.Get("To")); err != nil {
			t.Errorf("message %d: To: %v", i, err)
		}
	}
	if exp.inbox != spec.inbox || exp.sent != spec.sent {
		t.Errorf("INBOX %d, Sent %d; want %d and %d", exp.inbox, exp.sent, spec.inbox, spec.sent)
	}
	if share := float64(exp.internal) / float64(exp.total); share < 0.25 || share > 0.42 {
		t.Errorf("internal share %.2f, want about a third", share)
	}
	if exp.attached == 0 || exp.attached > exp.total/5 {
		t.Errorf("%d of %d messages with attachments, want about a tenth", exp.attached, exp.total)
	}
	if csv := newGenerator(spec).dealsCSV(); bytes.Count(csv, []byte("\n")) != spec.customers+1 {
		t.Errorf("deals CSV has %d lines, want a header and %d deals", bytes.Count(csv, []byte("\n")), spec.customers)
	}
}
