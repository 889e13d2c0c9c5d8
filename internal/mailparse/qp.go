package mailparse

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// qpLineMax is the buffer of the bufio.Reader that mime/quotedprintable
// reads lines through (bufio's default): it reads lines of at most this
// many bytes, and decodeQP does the same.
const qpLineMax = 4096

// quotedPrintable returns a reader of body decoded from quoted-printable,
// which gives what mime/quotedprintable's reader gives, error included
// (see decodeQP).
func quotedPrintable(body []byte) io.Reader {
	decoded, err := decodeQP(body)
	if err == nil {
		return bytes.NewReader(decoded)
	}
	return io.MultiReader(bytes.NewReader(decoded), failingReader{err})
}

// failingReader returns its error.
type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// decodeQP decodes quoted-printable text exactly as mime/quotedprintable's
// Reader does: the same bytes, up to the same error, nil at the end (its
// deviations from RFC 2045 included), but a run of plain bytes at a time
// where the Reader takes them one by one, which made it a tenth of a first
// sync's CPU. FuzzDecodeQP holds it to that.
func decodeQP(src []byte) ([]byte, error) {
	out := make([]byte, 0, len(src))
	var line []byte // the line being decoded, with its line end
	var rerr error
	for {
		if rerr == io.EOF {
			return out, nil
		}
		if rerr != nil {
			return out, rerr
		}
		var whole []byte
		whole, src, rerr = readSlice(src)
		hasLF := bytes.HasSuffix(whole, qpLF)
		hasCR := bytes.HasSuffix(whole, qpCRLF)
		trimmed := trimQPWhitespace(whole)
		line = append(line[:0], trimmed...)
		if bytes.HasSuffix(trimmed, qpSoft) {
			rightStripped := bytes.TrimLeft(whole[len(trimmed):], " \t")
			line = line[:len(line)-1]
			if !bytes.HasPrefix(rightStripped, qpLF) && !bytes.HasPrefix(rightStripped, qpCRLF) &&
				!(len(rightStripped) == 0 && len(line) > 0 && rerr == io.EOF) {
				rerr = fmt.Errorf("quotedprintable: invalid bytes after =: %q", rightStripped)
			}
		} else if hasLF {
			if hasCR {
				line = append(line, '\r', '\n')
			} else {
				line = append(line, '\n')
			}
		}
		var err error
		if out, err = decodeQPLine(out, line); err != nil {
			return out, err
		}
	}
}

// readSlice returns what bufio.Reader.ReadSlice('\n') would of src, with
// a buffer of qpLineMax bytes, and the rest of src.
func readSlice(src []byte) (line, rest []byte, err error) {
	if i := bytes.IndexByte(src[:min(len(src), qpLineMax)], '\n'); i >= 0 {
		return src[:i+1], src[i+1:], nil
	}
	if len(src) >= qpLineMax {
		return src[:qpLineMax], src[qpLineMax:], bufio.ErrBufferFull
	}
	return src, nil, io.EOF
}

// decodeQPLine appends the decoded line to out, up to an error.
func decodeQPLine(out, line []byte) ([]byte, error) {
	for len(line) > 0 {
		switch b := line[0]; {
		case b == '=':
			v, err := readHexByte(line[1:])
			if err != nil {
				if len(line) >= 2 && line[1] != '\r' && line[1] != '\n' {
					out = append(out, '=') // not an escape: a literal '='
					line = line[1:]
					continue
				}
				return out, err
			}
			out = append(out, v)
			line = line[3:]
		case qpPlain[b]:
			n := 1
			for n < len(line) && qpPlain[line[n]] {
				n++
			}
			out = append(out, line[:n]...)
			line = line[n:]
		default:
			return out, fmt.Errorf("quotedprintable: invalid unescaped byte 0x%02x in body", b)
		}
	}
	return out, nil
}

// qpPlain holds the bytes that stand for themselves in quoted-printable
// text as mime/quotedprintable reads it: printable ASCII but '=', tab,
// CR, LF, and every byte from 0x80.
var qpPlain = func() (set [256]bool) {
	for b := range 256 {
		set[b] = b == '\t' || b == '\r' || b == '\n' || b >= 0x80 || b >= ' ' && b <= '~' && b != '='
	}
	return set
}()

var (
	qpCRLF = []byte("\r\n")
	qpLF   = []byte("\n")
	qpSoft = []byte("=")
)

// trimQPWhitespace trims what the Reader's bytes.TrimRightFunc with
// isQPDiscardWhitespace does: the white space is ASCII, so bytes will do.
func trimQPWhitespace(b []byte) []byte {
	n := len(b)
	for n > 0 && (b[n-1] == '\n' || b[n-1] == '\r' || b[n-1] == ' ' || b[n-1] == '\t') {
		n--
	}
	return b[:n]
}

func fromHex(b byte) (byte, error) {
	switch {
	case b >= '0' && b <= '9':
		return b - '0', nil
	case b >= 'A' && b <= 'F':
		return b - 'A' + 10, nil
	case b >= 'a' && b <= 'f': // badly encoded, accepted
		return b - 'a' + 10, nil
	}
	return 0, fmt.Errorf("quotedprintable: invalid hex byte 0x%02x", b)
}

func readHexByte(v []byte) (byte, error) {
	if len(v) < 2 {
		return 0, io.ErrUnexpectedEOF
	}
	hb, err := fromHex(v[0])
	if err != nil {
		return 0, err
	}
	lb, err := fromHex(v[1])
	if err != nil {
		return 0, err
	}
	return hb<<4 | lb, nil
}
