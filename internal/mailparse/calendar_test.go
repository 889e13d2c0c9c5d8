package mailparse

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestCalendar(t *testing.T) {
	ics := "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:abc@example\r\nSUMMARY:Café\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	big := strings.Repeat("X", MaxCalendarBytes+1)
	tests := []struct {
		name, body, encoding string
		want                 string
		problem              string
	}{
		{"plain", ics, "7bit", ics, ""},
		{"base64 with line breaks", wrap(base64.StdEncoding.EncodeToString([]byte(ics)), 76), "base64", ics, ""},
		{"quoted-printable", strings.ReplaceAll(ics, "é", "=C3=A9"), "Quoted-Printable", ics, ""},
		{"unknown encoding kept as is", ics, "x-uuencode", ics, "unknown transfer encoding"},
		{"over the limit", big, "8bit", "", "over the 256 KB limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, problem := Calendar([]byte(tt.body), tt.encoding)
			if !bytes.Equal(data, []byte(tt.want)) && !(tt.want == "" && data == nil) {
				t.Errorf("data = %.80q, want %.80q", data, tt.want)
			}
			if (tt.problem == "") != (problem == "") || !strings.Contains(problem, tt.problem) {
				t.Errorf("problem = %q, want one containing %q", problem, tt.problem)
			}
		})
	}
}

// wrap breaks s into lines of n characters, as mail does with base64.
func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\r\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}
