package calparse

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// cal wraps components in a VCALENDAR. Leading tabs are dropped from
// every line, so tests can indent; continuation lines start with a space.
func cal(body string, header ...string) []byte {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dealtrail//test//EN\r\n")
	for _, h := range header {
		b.WriteString(h + "\r\n")
	}
	for line := range strings.SplitSeq(strings.TrimSpace(body), "\n") {
		b.WriteString(strings.TrimLeft(line, "\t") + "\r\n")
	}
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// win is a window from one RFC 3339 time to another.
func win(from, to string) Window {
	return Window{Start: ts(from), End: ts(to)}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustParse(t testing.TB, data []byte, w Window) Result {
	t.Helper()
	res, err := Parse(data, w)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return res
}

// starts lists the occurrences' starts in UTC, "2006-01-02T15:04".
func starts(res Result) []string {
	var out []string
	for _, o := range res.Occurrences {
		out = append(out, o.Start.UTC().Format("2006-01-02T15:04"))
	}
	return out
}

// brief renders an occurrence for comparisons: start, end, original
// start when it differs, and flags.
func brief(o Occurrence) string {
	const f = "2006-01-02T15:04"
	s := o.Start.Format(f) + "/" + o.End.Format(f)
	if !o.Instance.Equal(o.Start) {
		s += " was " + o.Instance.Format(f)
	}
	if o.AllDay {
		s += " allday"
	}
	if o.Cancelled {
		s += " cancelled"
	}
	return s
}

func briefs(res Result) []string {
	var out []string
	for _, o := range res.Occurrences {
		out = append(out, brief(o))
	}
	return out
}

func hasProblem(res Result, part string) bool {
	return slices.ContainsFunc(res.Problems, func(p string) bool { return strings.Contains(p, part) })
}

func diff(got, want []string) string {
	if slices.Equal(got, want) {
		return ""
	}
	return fmt.Sprintf("got  %q\nwant %q", got, want)
}
