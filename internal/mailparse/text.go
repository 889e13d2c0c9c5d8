package mailparse

import (
	"bytes"
	"io"
	"math"
	"mime"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// decodeText decodes an unstructured header value (a display or file
// name) to one line of clean text.
func decodeText(v string, p *problems) string {
	if strings.Contains(v, "=?") {
		v = lenientWords(v, p)
	}
	return collapse(v)
}

// bWord matches a base64 encoded word, whose padding senders get wrong.
var bWord = regexp.MustCompile(`=\?[^?\s]+\?[bB]\?[^?\s]*\?=`)

// lenientWords decodes RFC 2047 encoded words with mime.WordDecoder and
// go-message's charsets, also where they give up: on an unknown charset
// (see lenientDecoder) or sloppy base64 padding.
func lenientWords(v string, p *problems) string {
	if strings.Contains(v, "?b?") || strings.Contains(v, "?B?") {
		v = bWord.ReplaceAllStringFunc(v, func(w string) string {
			i := strings.LastIndexByte(w[:len(w)-2], '?')
			text := strings.TrimRight(w[i+1:len(w)-2], "=")
			return w[:i+1] + text + strings.Repeat("=", (4-len(text)%4)%4) + "?="
		})
	}
	if s, err := lenientDecoder(p).DecodeHeader(v); err == nil {
		return s
	}
	return v
}

// lenientDecoder returns a word decoder that reads a word in an unknown
// charset as UTF-8 or Windows-1252, saying so in p, rather than fail.
func lenientDecoder(p *problems) *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(r)
		s, ok := decodeCharset(b, label)
		if !ok {
			p.add("in a header: unknown charset %s; text read as UTF-8 or Windows-1252", quote(label))
		}
		return strings.NewReader(s), err
	}}
}

// decodeCharset converts b from the named charset to valid UTF-8 with
// go-message's charset package. UTF-8 text declared in a single-byte
// charset, as mailers often get it wrong, is read as UTF-8. ok is false
// when the charset is unknown and b is not ASCII; b is then read as UTF-8
// where valid and Windows-1252 elsewhere.
func decodeCharset(b []byte, label string) (s string, ok bool) {
	if isUTF8Label(label) {
		return fixUTF8(b), true
	}
	r, err := charset.Reader(strings.Trim(label, `"' `), bytes.NewReader(b))
	if err != nil {
		return fixUTF8(b), isASCII(b)
	}
	out, _ := io.ReadAll(r)
	if utf8.RuneCount(out) == len(b) && !isASCII(b) && utf8.Valid(b) {
		return string(b), true // one rune per byte: real Latin text is almost never valid UTF-8
	}
	return fixUTF8(out), true
}

// isUTF8Label reports whether text in this charset is read as UTF-8:
// UTF-8, ASCII, none, or one that says the sender did not know.
func isUTF8Label(l string) bool {
	switch strings.ToLower(strings.Trim(l, `"' `)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "x-unknown", "unknown-8bit":
		return true
	}
	return false
}

// hasISO2022Escape reports whether b shifts to a Japanese character set
// as ISO-2022-JP does, which old Japanese mail sends without saying so.
func hasISO2022Escape(b []byte) bool {
	return bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@"))
}

// isASCII reports whether b is 7-bit text without the ESC of ISO-2022.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf || c == 0x1b {
			return false
		}
	}
	return true
}

// fixUTF8 returns b as valid UTF-8: valid sequences are kept and every
// other byte is read as Windows-1252, which covers both raw Latin-1 text
// and a few stray bytes in otherwise UTF-8 text.
func fixUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			r = charmap.Windows1252.DecodeByte(b[0])
		}
		sb.WriteRune(r)
		b = b[n:]
	}
	return sb.String()
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b, left
// there when a body was cut mid-character. Unless the text is declared
// UTF-8, it must show UTF-8 before the cut; a lone high byte at the end
// of otherwise ASCII text is more likely Latin-1.
func trimPartialRune(b []byte, declared bool) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax && b[i] >= utf8.RuneSelf; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) && (declared || !isASCII(b[:i]) && utf8.Valid(b[:i])) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// collapse cleans text for display on one line: invalid UTF-8 repaired,
// C1 control characters read as the Windows-1252 characters they almost
// always are, white space and other control characters collapsed to
// single spaces, invisible characters dropped, ends trimmed.
func collapse(s string) string {
	plain := true // printable ASCII with single inner spaces: nothing to do
	for i := 0; i < len(s) && plain; i++ {
		plain = ' ' < s[i] && s[i] < 0x7f || s[i] == ' ' && i > 0 && i < len(s)-1 && s[i-1] != ' '
	}
	if plain {
		return s
	}
	c := collapser{max: math.MaxInt}
	c.b.Grow(len(s))
	c.write(s)
	return c.b.String()
}

// collapser builds what collapse returns for the text written to it,
// piece by piece. Past max runes it takes no more text: what it holds
// then is the start of what collapse would return for all of it, and
// ends with a rune that is not a space.
type collapser struct {
	b     strings.Builder
	runes int  // in b
	max   int  // more than max runes is full
	space bool // white space since the last rune written
}

func (c *collapser) full() bool { return c.runes > c.max }

// write adds s, collapsed, to what c holds.
func (c *collapser) write(s string) {
	for i := 0; i < len(s) && !c.full(); {
		if s[i] < utf8.RuneSelf {
			j := i
			for j < len(s) && ' ' < s[j] && s[j] < 0x7f {
				j++
			}
			if j == i { // ASCII white space or control character
				c.space = true
				i++
				continue
			}
			c.separate()
			c.b.WriteString(s[i:j])
			c.runes += j - i
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 { // as fixUTF8 reads it
			r = charmap.Windows1252.DecodeByte(s[i])
		}
		i += size
		if r >= 0x80 && r <= 0x9f {
			r = charmap.Windows1252.DecodeByte(byte(r))
		}
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			c.space = true
		case !invisible(r):
			c.separate()
			c.b.WriteRune(r)
			c.runes++
		}
	}
}

// writeLine writes s and the end of a line.
func (c *collapser) writeLine(s string) {
	c.write(s)
	c.space = true
}

// separate writes the single space that stands for the white space seen
// before a rune, unless nothing has been written yet.
func (c *collapser) separate() {
	if c.space && c.b.Len() > 0 {
		c.b.WriteByte(' ')
		c.runes++
	}
	c.space = false
}

// String returns what c holds.
func (c *collapser) String() string { return c.b.String() }

// invisible reports whether r only shapes layout or padding (zero-width
// spaces, soft hyphens, byte order marks, the padding newsletters put
// after their preview text) or marks a decoding error.
func invisible(r rune) bool {
	switch r {
	case '\u00ad', '\u034f', '\u180e', '\u200b', '\u200c', '\u200e', '\u200f', '\u2060', '\ufeff', '\ufffd':
		return true
	}
	return false
}
