// Package mailparse turns MIME mail into the normalised model.Message:
// participants, date, ids, thread references, a plain-text snippet, the
// list of attachments and the raw calendar parts.
//
// Parse reads a whole RFC 822 message. For IMAP, where only the header
// block and the start of one text part are fetched, ParseHeader reads the
// header block and Snippet turns the (possibly truncated) part into text.
//
// github.com/emersion/go-message does the parsing (header blocks, MIME
// trees, transfer encodings, charsets), with the standard library for
// addresses, dates, encoded words and parameters. This package adds thin
// leniency layers where they refuse real-world mail, and what is its own:
// the snippet, the derived key and the date sanity rules. What cannot be
// read is described in words in Message.Problems; an error is returned
// only when nothing usable can be read at all.
package mailparse

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message"

	"github.com/dealtrail/dealtrail/internal/model"
)

// DefaultSnippetLen is the snippet length, in runes, used when
// Options.SnippetLen is zero.
const DefaultSnippetLen = 300

// Options tunes Parse and ParseHeader. The zero value is ready to use.
type Options struct {
	// SnippetLen is the maximum snippet length in runes: 0 means
	// DefaultSnippetLen, a negative value means no snippet at all.
	SnippetLen int
	// Now returns the current time, used to reject dates in the future.
	// Nil means time.Now.
	Now func() time.Time
}

// Errors returned when nothing usable can be read.
var (
	// ErrEmpty is returned for input with nothing but white space.
	ErrEmpty = errors.New("mailparse: empty message")
	// ErrNoHeader is returned when the input does not start with a header
	// field, so it is not a mail message.
	ErrNoHeader = errors.New("mailparse: no header fields: the input does not start with a mail header")
	// errInternal wraps a recovered panic: a bug in this package.
	errInternal = errors.New("mailparse: internal error")
)

// Parse reads a whole RFC 822 message: its header, and its MIME tree for
// the snippet, attachments and calendar parts. Broken parts degrade to
// entries in Problems; the error is non-nil only when nothing usable could
// be read (ErrEmpty, ErrNoHeader, or an internal failure).
func Parse(raw []byte, opts Options) (model.Message, error) {
	return parse(raw, opts, true)
}

// ParseHeader reads a header block (as fetched by IMAP BODY[HEADER]) and
// fills everything that comes from headers: Key, MessageID, Date, Subject,
// Participants, InReplyTo, References and Problems. Anything after the
// blank line that ends the header is ignored. The error is non-nil only
// when no header field can be read.
func ParseHeader(header []byte, opts Options) (model.Message, error) {
	return parse(header, opts, false)
}

// headerNames are the header fields ParseHeader reads (and the IMAP sync
// fetches); it skips the others.
var headerNames = []string{"From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Date", "Subject",
	"Message-ID", "In-Reply-To", "References", "Content-Type"}

func parse(raw []byte, opts Options, whole bool) (msg model.Message, err error) {
	defer recoverPanic(&msg, &err)
	if len(bytes.TrimSpace(raw)) == 0 {
		return model.Message{}, ErrEmpty
	}
	var p problems
	var names []string // every field for Parse
	if !whole {
		names = headerNames
	}
	h, body := readHeader(raw, names, &p)
	if h.Len() == 0 {
		return model.Message{}, ErrNoHeader
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	msg = headerFields(h, now(), &p)
	if whole {
		w := walker{p: &p}
		w.walk(h.Header, body)
		msg.Attachments, msg.Calendars = w.attachments, w.calendars
		if n := cmp.Or(opts.SnippetLen, DefaultSnippetLen); n > 0 {
			msg.Snippet = w.snippet(n)
		}
	}
	msg.Problems = p.list
	return msg, nil
}

// Snippet turns the start of one body part into a plain-text snippet of
// at most maxRunes runes (DefaultSnippetLen when maxRunes <= 0). body is
// the part as it travels, before transfer decoding, and may be cut
// anywhere (IMAP partial fetch): a quoted-printable escape, base64 group
// or character cut at the end is dropped. mediaType and params come from
// the part's Content-Type (params is searched case-insensitively for
// charset), transferEncoding from its Content-Transfer-Encoding. HTML is
// turned into text; quoted reply lines and signatures are dropped.
//
// The text returned is always valid UTF-8 and usable. A non-nil error
// says, in words suitable for Message.Problems, what degraded it (an
// unknown charset or transfer encoding, or a media type with no text).
func Snippet(body []byte, mediaType string, params map[string]string, transferEncoding string, maxRunes int) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("%w making a snippet: %v", errInternal, r)
		}
	}()
	if maxRunes <= 0 {
		maxRunes = DefaultSnippetLen
	}
	var p problems
	text = partSnippet(body, mediaType, params, transferEncoding, maxRunes, &p)
	if len(p.list) > 0 {
		return text, errors.New(strings.Join(p.list, "; "))
	}
	return text, nil
}

// MaxCalendarBytes bounds a calendar part kept, once decoded.
const MaxCalendarBytes = 256 << 10

// Calendar decodes a text/calendar part fetched on its own (as the IMAP
// sync fetches it) from its transfer encoding, keeping what decodes of a
// damaged one. A part over MaxCalendarBytes is refused: data is nil and
// problem says so. A non-empty problem is in words for Message.Problems.
func Calendar(body []byte, transferEncoding string) (data []byte, problem string) {
	var p problems
	h := message.Header{}
	h.Set("Content-Transfer-Encoding", transferEncoding)
	data, _ = readCalendar(open(h, bytes.NewReader(body), "calendar", &p), &p)
	return data, strings.Join(p.list, "; ")
}

// recoverPanic is the last resort of the exported entry points: a panic is
// a bug, but one bad message must not take the sync worker down with it.
func recoverPanic(msg *model.Message, err *error) {
	if r := recover(); r != nil {
		*msg = model.Message{}
		*err = fmt.Errorf("%w reading a message: %v", errInternal, r)
	}
}

// problems collects what could not be read, in words, without duplicates
// and at most maxProblems of them.
type problems struct {
	list []string
}

const maxProblems = 20

func (p *problems) add(format string, args ...any) {
	if len(p.list) > maxProblems {
		return
	}
	switch s := fmt.Sprintf(format, args...); {
	case slices.Contains(p.list, s):
	case len(p.list) == maxProblems:
		p.list = append(p.list, "more problems not listed")
	default:
		p.list = append(p.list, s)
	}
}

// quote renders untrusted text for a problem message: short, quoted, and
// valid ASCII whatever the input.
func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return strconv.QuoteToASCII(s)
}
