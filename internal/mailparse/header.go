package mailparse

import (
	"bufio"
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// readHeader reads the header block at the start of a message with
// go-message and returns it with the body that follows. It never fails.
// When go-message refuses the block (a line that is not a field, an
// indented first line, no blank line before the body) or the block holds
// what it would pass on unread (raw 8-bit text, NUL bytes), the block is
// cleaned, p says how, and go-message reads the result.
//
// When names is not nil, only the fields named are read (see
// readFields): the others are skipped without the cost of reading them.
func readHeader(raw []byte, names []string, p *problems) (mail.Header, []byte) {
	raw = raw[skipPreamble(raw, p):]
	var (
		h   mail.Header
		n   int
		err error
	)
	if names != nil {
		h, n, err = readFields(raw, names)
	} else {
		h, n, err = readBlock(raw)
	}
	if err == nil && utf8.Valid(raw[:n]) && bytes.IndexByte(raw[:n], 0) < 0 && bytes.IndexByte(raw[:n], 0x1b) < 0 {
		return h, raw[n:]
	}
	block, body := cleanHeader(raw, p)
	if h, _, _ = readBlock(block); !utf8.Valid(block) || hasISO2022Escape(block) {
		_, params, _ := h.ContentType()
		h, _, _ = readBlock(recodeHeader(block, params["charset"]))
	}
	return h, body
}

// readers are reused by readBlock, which is on the sync's hot path.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

// readBlock reads a header block with textproto.ReadHeader and returns it
// with the number of bytes it took, the blank line included.
func readBlock(b []byte) (mail.Header, int, error) {
	r := bytes.NewReader(b)
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	th, err := textproto.ReadHeader(br)
	n := len(b) - r.Len() - br.Buffered()
	br.Reset(nil)
	readers.Put(br)
	return mail.Header{Header: message.Header{Header: th}}, n, err
}

// errNotField is readFields' error for a block textproto.ReadHeader
// refuses.
var errNotField = errors.New("mailparse: a header line is not a field")

// readFields reads the fields named in names from the header block at the
// start of raw, and returns them with the length of the block (up to and
// including the blank line that ends it). It reads them as
// textproto.ReadHeader reads the whole block, less the fields not named,
// which are skipped unread: each named field is added as it is in raw,
// without copying its lines. It fails as ReadHeader does, with
// errNotField, on a line that is not a field (no colon, or a byte a name
// cannot have) or an indented first line. When no field is named, it
// reads the whole block with ReadHeader.
func readFields(raw []byte, names []string) (mail.Header, int, error) {
	if len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t') {
		return mail.Header{}, 0, errNotField
	}
	var buf [16][]byte
	fields := buf[:0] // the named fields, in raw
	pos := 0
	for pos < len(raw) {
		line, next := nextLine(raw, pos)
		if len(line) == 0 && next > pos && raw[next-1] == '\n' {
			pos = next
			break // the blank line
		}
		for next < len(raw) && (raw[next] == ' ' || raw[next] == '\t') {
			_, next = nextLine(raw, next) // a continuation line
		}
		key, ok := fieldKey(line)
		if !ok {
			return mail.Header{}, 0, errNotField
		}
		if f := raw[pos:next]; isNamed(key, names) {
			if f[len(f)-1] != '\n' {
				// The last line, cut short: ReadHeader ends it with CRLF.
				f = append(slices.Clip(f), '\r', '\n')
			}
			fields = append(fields, f)
		}
		pos = next
	}
	if len(fields) == 0 {
		return readBlock(raw)
	}
	// ReadHeader keeps the fields last first, so that Get gives the
	// first of a name.
	var th textproto.Header
	for i := len(fields) - 1; i >= 0; i-- {
		th.AddRaw(fields[i])
	}
	return mail.Header{Header: message.Header{Header: th}}, pos, nil
}

// fieldKey returns the name of the field whose first line is line, as
// textproto.ReadHeader takes it, with ok false when it would refuse the
// field (no colon in the line, or a byte a name cannot have).
func fieldKey(line []byte) (key []byte, ok bool) {
	key, _, found := bytes.Cut(line, []byte(":"))
	if !found {
		return nil, false
	}
	key = bytes.Trim(key, " \t")
	for _, c := range key {
		if c < 33 || c > 126 {
			return nil, false
		}
	}
	return key, true
}

// isNamed reports whether key is one of names, ignoring ASCII case as
// header field names do.
func isNamed(key []byte, names []string) bool {
	for _, name := range names {
		if equalFoldASCII(name, key) {
			return true
		}
	}
	return false
}

func equalFoldASCII(s string, b []byte) bool {
	if len(s) != len(b) {
		return false
	}
	for i := range len(s) {
		if lowerASCII(s[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// skipPreamble returns where the header starts in a whole message: after a
// UTF-8 byte order mark, leading blank lines and an mbox "From " line.
func skipPreamble(raw []byte, p *problems) int {
	start := len(raw) - len(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")))
	for line, next := nextLine(raw, start); isBlank(line) && next < len(raw); line, next = nextLine(raw, next) {
		start = next
		p.add("blank lines before the header skipped")
	}
	if bytes.HasPrefix(raw[start:], []byte("From ")) {
		_, start = nextLine(raw, start)
		p.add("mbox \"From \" line before the header skipped")
	}
	return start
}

// cleanHeader finds the header block at the start of raw the way mail
// clients do and rewrites it in a form textproto.ReadHeader reads:
// malformed lines dropped, an indented first field and unindented
// continuations (after a ';' or ',') repaired, NUL bytes removed. The
// body starts after the blank line, or at the first line that cannot
// belong to the header.
func cleanHeader(raw []byte, p *problems) (block, body []byte) {
	var b bytes.Buffer
	fields, separated := 0, false
	write := func(prefix string, line []byte) {
		if bytes.IndexByte(line, 0) >= 0 {
			p.add("NUL bytes in the header removed")
			line = bytes.ReplaceAll(line, []byte{0}, nil)
		}
		b.WriteString(prefix)
		b.Write(line)
		b.WriteString("\r\n")
		v := bytes.TrimRight(line, " \t")
		separated = len(v) > 0 && (v[len(v)-1] == ';' || v[len(v)-1] == ',')
	}
	for pos := 0; pos < len(raw); {
		line, next := nextLine(raw, pos)
		following, _ := nextLine(raw, next)
		more := next < len(raw)
		trimmed := bytes.TrimLeft(line, " \t")
		indented := len(trimmed) < len(line)
		switch {
		case len(trimmed) == 0:
			if indented && more && (isContinuation(following) || isFieldLine(following)) {
				break // an empty fold: the header goes on
			}
			if indented && more {
				p.add("the blank line after the header holds white space")
			}
			return b.Bytes(), raw[next:]
		case indented && fields > 0:
			write("", line)
		case isFieldLine(trimmed):
			if indented {
				p.add("the header starts with white space")
			}
			write("", trimmed)
			fields++
		case fields > 0 && separated:
			p.add("a header field is folded without leading white space")
			write(" ", line)
		case more && (isFieldLine(following) || fields > 0 && (isContinuation(following) || isBlank(following))):
			p.add("malformed header line skipped: %s", quote(string(line)))
		default:
			if fields > 0 {
				p.add("no blank line between header and body")
			}
			return b.Bytes(), raw[pos:]
		}
		pos = next
	}
	return b.Bytes(), nil
}

// recodeHeader turns the lines of a header block that are not UTF-8 into
// UTF-8: ISO-2022-JP by its escapes, else the charset of the message body
// when that reads them cleanly (senders of raw 8-bit headers tend to use
// it), else UTF-8 where valid and Windows-1252 elsewhere.
func recodeHeader(block []byte, hint string) []byte {
	var b bytes.Buffer
	for line := range bytes.Lines(block) {
		s, ok := string(line), true
		switch {
		case hasISO2022Escape(line):
			s, _ = decodeCharset(line, "iso-2022-jp")
		case !utf8.Valid(line):
			ascii := line[:bytes.IndexFunc(line, func(r rune) bool { return r >= utf8.RuneSelf })]
			if s, ok = decodeCharset(line, hint); !ok || strings.ContainsRune(s, utf8.RuneError) || !strings.HasPrefix(s, string(ascii)) {
				s = fixUTF8(line)
			}
		}
		b.WriteString(s)
	}
	return b.Bytes()
}

// nextLine returns the line starting at pos without its line ending, and
// the position of the line after it.
func nextLine(raw []byte, pos int) (line []byte, next int) {
	if pos >= len(raw) {
		return nil, len(raw)
	}
	line, _, found := bytes.Cut(raw[pos:], []byte("\n"))
	if next = pos + len(line); found {
		next++
	}
	return bytes.TrimSuffix(line, []byte("\r")), next
}

// isFieldLine reports whether line starts with a field name and a colon,
// as textproto.ReadHeader wants it.
func isFieldLine(line []byte) bool {
	name, _, found := bytes.Cut(line, []byte(":"))
	name = bytes.TrimRight(name, " \t")
	return found && len(name) > 0 && bytes.IndexFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f }) < 0
}

// isContinuation reports whether line continues a folded field.
func isContinuation(line []byte) bool {
	return len(line) > 0 && (line[0] == ' ' || line[0] == '\t') && !isBlank(line)
}

func isBlank(line []byte) bool {
	return len(bytes.TrimLeft(line, " \t")) == 0
}
