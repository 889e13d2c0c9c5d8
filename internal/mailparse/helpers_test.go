package mailparse

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dealtrail/dealtrail/internal/model"
)

// crlf turns a test message written with "\n" into wire form.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

// mustParse parses raw and fails the test on an error.
func mustParse(t testing.TB, raw []byte) model.Message {
	t.Helper()
	m, err := Parse(raw, Options{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// invalidUTF8 returns the name of the first field of m that is not valid
// UTF-8, or "".
func invalidUTF8(m model.Message) string {
	fields := [][2]string{
		{"Key", m.Key}, {"MessageID", m.MessageID}, {"Subject", m.Subject},
		{"InReplyTo", m.InReplyTo}, {"Snippet", m.Snippet},
	}
	for _, r := range m.References {
		fields = append(fields, [2]string{"References", r})
	}
	for _, p := range m.Participants {
		fields = append(fields, [2]string{"Participant.Email", p.Email}, [2]string{"Participant.Name", p.Name})
	}
	for _, a := range m.Attachments {
		fields = append(fields, [2]string{"Attachment.Name", a.Name}, [2]string{"Attachment.ContentType", a.ContentType})
	}
	for _, p := range m.Problems {
		fields = append(fields, [2]string{"Problems", p})
	}
	for _, f := range fields {
		if !utf8.ValidString(f[1]) {
			return f[0]
		}
	}
	return ""
}

// checkResult fails t when a parse result breaks the package's promises:
// an internal error (a recovered panic), invalid UTF-8, or no key.
func checkResult(t testing.TB, what string, m model.Message, err error) {
	t.Helper()
	if errors.Is(err, errInternal) {
		t.Fatalf("%s: %v", what, err)
	}
	if err != nil {
		return
	}
	if f := invalidUTF8(m); f != "" {
		t.Errorf("%s: %s is not valid UTF-8", what, f)
	}
	if m.Key == "" {
		t.Errorf("%s: no Key and no error", what)
	}
}

// hasProblem reports whether one of m's problems contains part.
func hasProblem(m model.Message, part string) bool {
	for _, p := range m.Problems {
		if strings.Contains(p, part) {
			return true
		}
	}
	return false
}
