package store

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// jsonRows builds a JSON array of rows (each an array, or a bare integer
// with rawInt) to hand a whole batch to one statement through json_each,
// instead of one statement per row.
type jsonRows struct {
	buf   []byte
	n     int
	first bool // the next value is the first of its row
	open  bool // a row array is open
}

// row starts a new row.
func (j *jsonRows) row() *jsonRows {
	j.end()
	if j.n == 0 {
		j.buf = append(j.buf, '[')
	} else {
		j.buf = append(j.buf, ',')
	}
	j.n++
	j.first = true
	return j
}

// end closes the open row array, if any.
func (j *jsonRows) end() {
	if j.open {
		j.buf = append(j.buf, ']')
		j.open = false
	}
}

// sep writes what goes before a value of an array row.
func (j *jsonRows) sep() {
	if j.first {
		j.buf = append(j.buf, '[')
		j.first, j.open = false, true
	} else {
		j.buf = append(j.buf, ',')
	}
}

// rawInt makes the row a bare integer rather than an array.
func (j *jsonRows) rawInt(v int64) *jsonRows {
	j.first = false
	j.buf = strconv.AppendInt(j.buf, v, 10)
	return j
}

func (j *jsonRows) int(v int64) *jsonRows {
	j.sep()
	j.buf = strconv.AppendInt(j.buf, v, 10)
	return j
}

// float writes v so that SQLite reads back the same float64.
func (j *jsonRows) float(v float64) *jsonRows {
	j.sep()
	j.buf = strconv.AppendFloat(j.buf, v, 'g', -1, 64)
	return j
}

// str writes a JSON string; invalid UTF-8 becomes U+FFFD.
func (j *jsonRows) str(s string) *jsonRows {
	j.sep()
	j.buf = append(j.buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			j.buf = append(j.buf, '\\', c)
			i++
		case c < 0x20:
			j.buf = append(j.buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			i++
		case c < utf8.RuneSelf:
			j.buf = append(j.buf, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				j.buf = append(j.buf, "\ufffd"...)
			} else {
				j.buf = append(j.buf, s[i:i+size]...)
			}
			i += size
		}
	}
	j.buf = append(j.buf, '"')
	return j
}

const hex = "0123456789abcdef"

// String returns the JSON array; "[]" when there are no rows.
func (j *jsonRows) String() string {
	if j.n == 0 {
		return "[]"
	}
	j.end()
	return string(j.buf) + "]"
}

// jsonList is the JSON array of values, for json_each; "[]" for none. A
// list of numbers or strings always encodes (invalid UTF-8 becomes
// U+FFFD).
func jsonList[T int64 | string](values []T) string {
	if len(values) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(values)
	return string(b)
}
