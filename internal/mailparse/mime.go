package mailparse

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// Bounds on the MIME tree. go-message reads a nested part through the
// readers of all the parts around it, so deep nesting costs quadratic
// time; past these bounds the rest of the tree is skipped.
const (
	maxDepth = 20
	maxParts = 500
	maxTexts = 8       // text parts kept as snippet candidates
	peekSize = 8 << 10 // how much of a multipart body shows its boundary
)

// walker collects what Parse keeps of a MIME tree: the text parts a
// snippet may come from, the attachments and the calendar parts.
type walker struct {
	p           *problems
	parts       int
	full        bool // maxParts reached: the walk stops
	alternative int  // multipart/alternative parts seen, to number them
	texts       []textPart
	attachments []model.Attachment
	calendars   [][]byte
}

// textPart is a text leaf as it travels, kept until a snippet is made.
type textPart struct {
	header       message.Header
	media, label string
	raw          []byte // at most maxSnippetInput bytes
	alt          int    // the multipart/alternative it is in, or 0
}

// walk reads the tree of the message with header h and body body.
func (w *walker) walk(h message.Header, body []byte) {
	w.parts = 1
	if !h.Has("Content-Type") && h.Has("Mime-Version") {
		w.p.add("no Content-Type; body read as text/plain")
	}
	w.entity(h, bytes.NewReader(body), 0, 0, "text/plain")
}

// entity reads one part from its body as it travels.
func (w *walker) entity(h message.Header, body io.Reader, depth, alt int, defaultType string) {
	media, params := contentType(h, defaultType, w.p)
	switch {
	case strings.HasPrefix(media, "multipart/"):
		w.multipart(media, params["boundary"], body, depth, alt)
	case media == "message/rfc822" || media == "message/global":
		w.message(h, media, params, body)
	default:
		w.leaf(h, media, params, body, alt)
	}
}

// multipart walks the parts of a multipart body with go-message's
// textproto.MultipartReader, as message.MultipartReader does, but without
// decoding each part at once: a part's header is read first, and a text
// part is kept as it travels until a snippet is made, as for IMAP.
func (w *walker) multipart(media, boundary string, body io.Reader, depth, alt int) {
	if depth >= maxDepth {
		w.p.add("MIME parts nested deeper than %d levels skipped", maxDepth)
		return // the part around drains the rest
	}
	br := bufio.NewReaderSize(body, peekSize)
	peek, _ := br.Peek(peekSize)
	if boundary == "" || !bytes.Contains(peek, []byte("--"+boundary)) {
		if guess := guessBoundary(peek); guess != "" {
			w.p.add("%s boundary %s not found; guessed %s from the body", media, quote(boundary), quote(guess))
			boundary = guess
		} else if boundary == "" || len(peek) < peekSize {
			w.p.add("%s body has no boundary delimiter; read as text", media)
			w.leaf(message.Header{}, "text/plain", nil, br, alt)
			return
		}
	}
	child := "text/plain"
	if media == "multipart/digest" {
		child = "message/rfc822"
	}
	if media == "multipart/alternative" {
		w.alternative++
		alt = w.alternative
	}
	mr := textproto.NewMultipartReader(br, boundary)
	for !w.full {
		part, err := mr.NextPart()
		switch {
		case err == io.EOF:
			return
		case err != nil && strings.HasPrefix(err.Error(), "multipart:"):
			w.p.add("%s body has no closing boundary", media)
			return
		case err != nil:
			w.p.add("%s part header unreadable; the rest skipped: %s", media, quote(err.Error()))
			return
		case w.parts >= maxParts:
			w.p.add("more than %d MIME parts; the rest skipped", maxParts)
			w.full = true
			return
		}
		w.parts++
		w.entity(message.Header{Header: part.Header}, part, depth+1, alt, child)
	}
}

// guessBoundary looks for the boundary of a multipart body whose declared
// boundary is missing or wrong: a line starting with "--" that comes back.
func guessBoundary(body []byte) string {
	tries := 0
	for line := range bytes.Lines(body) {
		if !bytes.HasPrefix(line, []byte("--")) {
			continue
		}
		if tries++; tries > 8 {
			break
		}
		b := bytes.TrimSuffix(bytes.TrimRight(line[2:], " \t\r\n"), []byte("--"))
		if len(b) > 0 && len(b) <= 200 && !bytes.ContainsAny(b, " \t") && bytes.Count(body, line[:2+len(b)]) > 1 {
			return string(b)
		}
	}
	return ""
}

// message lists an attached message, named after its subject.
func (w *walker) message(h message.Header, media string, params map[string]string, body io.Reader) {
	data, _ := io.ReadAll(open(h, body, "attached message", w.p))
	_, name := disposition(h, params, w.p)
	if name == "" {
		inner, _, _ := readBlock(data)
		name = decodeText(inner.Get("Subject"), &problems{})
	}
	if name == "" {
		name = "message.eml"
	}
	w.attachments = append(w.attachments, model.Attachment{Name: name, ContentType: media, Size: int64(len(data))})
}

// leaf sorts a part that is not multipart: calendar, attachment or text.
func (w *walker) leaf(h message.Header, media string, params map[string]string, body io.Reader, alt int) {
	disp, name := disposition(h, params, w.p)
	attached := disp == "attachment" || name != "" || !isTextual(media)
	var size int64
	switch {
	case media == "text/calendar" || media == "application/ics":
		r := open(h, body, "calendar", w.p)
		if data, ok := readCalendar(r, w.p); ok {
			w.calendars = append(w.calendars, data)
			size = int64(len(data))
		} else {
			size = MaxCalendarBytes + 1
		}
		n, _ := io.Copy(io.Discard, r)
		size += n
	case attached:
		size, _ = io.Copy(io.Discard, open(h, body, "attachment", w.p))
	case isBodyText(media) && len(w.texts) < maxTexts:
		raw, _ := io.ReadAll(io.LimitReader(body, maxSnippetInput))
		w.texts = append(w.texts, textPart{header: h, media: media, label: params["charset"], raw: raw, alt: alt})
	}
	if attached {
		w.attachments = append(w.attachments, model.Attachment{Name: name, ContentType: media, Size: size})
	}
}

// readCalendar reads a decoded calendar part, refusing one over
// MaxCalendarBytes: a cut-off iCalendar file is worse than none.
func readCalendar(r io.Reader, p *problems) ([]byte, bool) {
	data, _ := io.ReadAll(io.LimitReader(r, MaxCalendarBytes+1))
	if len(data) > MaxCalendarBytes {
		p.add("calendar part over the %d KB limit; skipped", MaxCalendarBytes>>10)
		return nil, false
	}
	return data, true
}

// open undoes a leaf's transfer encoding with go-message (and for text/*
// the charset). A decoding error ends the body early; an encoding
// go-message does not know leaves it as it travels, and p says so.
func open(h message.Header, body io.Reader, what string, p *problems) io.Reader {
	normalizeEncoding(h)
	e, err := message.New(h, body)
	if message.IsUnknownEncoding(err) {
		p.add("unknown transfer encoding %s; %s read as is", quote(h.Get("Content-Transfer-Encoding")), what)
	}
	return e.Body
}

// normalizeEncoding sets the Content-Transfer-Encoding of h to the one
// mail clients read a misspelt value as ("Base64;", "8-bit"), and returns
// it in lower case, as go-message compares it.
func normalizeEncoding(h message.Header) string {
	v := strings.ToLower(h.Get("Content-Transfer-Encoding"))
	switch {
	case v != "base64" && strings.Contains(v, "base64"):
		h.Set("Content-Transfer-Encoding", "base64")
	case v != "quoted-printable" && strings.HasPrefix(v, "quoted"):
		h.Set("Content-Transfer-Encoding", "quoted-printable")
	case len(v) > 4 && (v[0] == '7' || v[0] == '8') && strings.Contains(v, "bit"):
		h.Set("Content-Transfer-Encoding", "8bit")
	}
	return strings.ToLower(h.Get("Content-Transfer-Encoding"))
}

// isTextual reports whether a leaf of this type is read, not attached:
// text, and the machine-readable reports inside bounces and receipts.
func isTextual(media string) bool {
	switch media {
	case "message/delivery-status", "message/global-delivery-status", "message/disposition-notification",
		"message/global-disposition-notification", "message/feedback-report":
		return true
	}
	return strings.HasPrefix(media, "text/")
}
