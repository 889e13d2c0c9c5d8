package match

import (
	"bytes"
	"strconv"
	"time"
)

// dateLayout is how reasons write days (in UTC).
const dateLayout = "2006-01-02"

// text builds a reason in a buffer that usually lives on the stack; the
// reason costs one allocation, when it becomes a string.
type text struct {
	b []byte
	// phrases are the bounds of the phrases written with phrase, to leave
	// out one already said.
	phrases [][2]int
}

// newText starts a reason in buf.
func newText(buf []byte) text { return text{b: buf[:0]} }

// The methods return the text, so that its buffer stays on the caller's
// stack: b = b.s("...").

// s writes strings.
func (t text) s(ss ...string) text {
	for _, s := range ss {
		t.b = append(t.b, s...)
	}
	return t
}

// n writes a number.
func (t text) n(n int) text {
	t.b = strconv.AppendInt(t.b, int64(n), 10)
	return t
}

// date writes the day of tm, in UTC, as 2006-01-02.
func (t text) date(tm time.Time) text {
	y, mo, d := tm.UTC().Date()
	if y < 1000 || y > 9999 {
		t.b = tm.UTC().AppendFormat(t.b, dateLayout)
		return t
	}
	t.b = append(t.b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+mo/10), byte('0'+mo%10), '-', byte('0'+d/10), byte('0'+d%10))
	return t
}

// list writes "a", "a and b" or "a, b and c".
func (t text) list(items []string) text {
	for i, s := range items {
		switch {
		case i == 0:
		case i == len(items)-1:
			t = t.s(" and ")
		default:
			t = t.s(", ")
		}
		t = t.s(s)
	}
	return t
}

// commaAfter writes ", " when something was written after start.
func (t text) commaAfter(start int) text {
	if len(t.b) > start {
		t.b = append(t.b, ", "...)
	}
	return t
}

// sep starts a phrase of a list separated by "; ". A phrase goes
//
//	p := len(b.b)
//	b = b.sep()
//	b = b.s(...)
//	b = b.end(p)
func (t text) sep() text {
	if len(t.b) > 0 {
		t.b = append(t.b, "; "...)
	}
	return t
}

// end closes the phrase begun at p (before its separator), dropping it
// when it repeats an earlier one.
func (t text) end(p int) text {
	start := p
	if p > 0 {
		start += 2
	}
	for _, q := range t.phrases {
		if bytes.Equal(t.b[q[0]:q[1]], t.b[start:]) {
			t.b = t.b[:p]
			return t
		}
	}
	t.phrases = append(t.phrases, [2]int{start, len(t.b)})
	return t
}

// String returns the reason.
func (t text) String() string { return string(t.b) }
