package mailparse

import (
	"bytes"
	"io"
	"iter"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	htmlcharset "golang.org/x/net/html/charset"
)

// maxSnippetInput bounds how much of a text part is read for a snippet:
// Parse reads a whole message's text part the way IMAP fetches one.
const maxSnippetInput = 128 << 10

// Kinds of text a part can hold.
const (
	noText = iota
	plainText
	markupText // HTML, or the tagged text/enriched and text/richtext
)

// textKind says what kind of text a part of this media type holds.
func textKind(media string) int {
	switch {
	case media == "text/html" || media == "application/xhtml+xml" || media == "text/enriched" || media == "text/richtext":
		return markupText
	case media == "" || strings.HasPrefix(media, "text/"):
		return plainText
	}
	return noText
}

// isBodyText reports whether a part of this type can hold the text of the
// message: text, but not the structured kinds (calendars, contact cards,
// the headers of a bounced message).
func isBodyText(media string) bool {
	switch media {
	case "text/calendar", "text/vcard", "text/x-vcard", "text/directory", "text/rfc822-headers":
		return false
	}
	return textKind(media) != noText
}

// snippet makes the message's snippet from its best text part: in a
// multipart/alternative the text/plain part rather than the HTML one,
// and the next candidate when a part yields no text.
func (w *walker) snippet(maxRunes int) string {
	tried := make(map[int]bool)
	for i, t := range w.texts {
		plain := -1
		for j, u := range w.texts {
			if t.alt != 0 && u.alt == t.alt && u.media == "text/plain" && plain < 0 {
				plain = j
			}
		}
		for _, j := range []int{plain, i} {
			if j < 0 || tried[j] || len(tried) >= 4 {
				continue
			}
			tried[j] = true
			u := w.texts[j]
			if s := bodySnippet(u.header, u.media, u.label, u.raw, maxRunes, w.p); s != "" {
				return s
			}
		}
	}
	return ""
}

// partSnippet is Snippet with its problems collected in p: the part is
// read with the header it came with, like a part of a whole message.
func partSnippet(body []byte, mediaType string, params map[string]string, cte string, maxRunes int, p *problems) string {
	media, _, _ := strings.Cut(mediaType, ";")
	if media = strings.ToLower(strings.TrimSpace(media)); textKind(media) == noText {
		p.add("%s part has no text for a snippet", quote(media))
		return ""
	}
	label := ""
	for k, v := range params {
		if strings.EqualFold(k, "charset") {
			label = v
		}
	}
	if n := len(body); n >= 2 && body[n-2] == '=' && strings.EqualFold(cte, "quoted-printable") {
		body = body[:n-2] // an escape cut in half, which the decoder would keep as text
	}
	var h message.Header
	h.Set("Content-Transfer-Encoding", cte)
	return bodySnippet(h, media, label, body, maxRunes, p)
}

// bodySnippet makes the snippet of a text part as it travels, with
// header h. UTF-8 text is read a piece at a time, as far as the snippet
// needs (see canReadPrefix); other text is read whole first.
func bodySnippet(h message.Header, media, label string, body []byte, maxRunes int, p *problems) string {
	r := openText(h, body, p)
	var data []byte
	ended := false
	if canReadPrefix(h.Get("Content-Transfer-Encoding"), media, label, body) {
		for limit := 2*min(maxRunes, maxSnippetInput) + 256; limit < maxSnippetInput && !ended; limit *= 4 {
			if data, ended = readMore(r, data, limit, len(body)); !ended {
				if s, done := prefixSnippet(fixUTF8(data), media, maxRunes); done {
					return s
				}
			}
		}
	}
	if !ended {
		data, _ = readMore(r, data, maxSnippetInput, len(body))
	}
	return textSnippet(decodeBody(data, media, label, p), media, maxRunes)
}

// openText returns the reader of a text part's bytes with the transfer
// encoding undone by go-message, or for quoted-printable, the commonest,
// by decodeQP (the same, faster). Plain text labelled base64 is read as
// is. body is the part as it travels.
func openText(h message.Header, body []byte, p *problems) io.Reader {
	if strings.Contains(strings.ToLower(h.Get("Content-Transfer-Encoding")), "base64") && !looksBase64(body[:min(len(body), 1024)]) {
		p.add("text declared base64 is not; read as is")
		h.Del("Content-Transfer-Encoding")
	}
	if normalizeEncoding(h) == "quoted-printable" {
		return quotedPrintable(body)
	}
	h.Del("Content-Type") // the charset is read by decodeBody, not by message.New
	return open(h, bytes.NewReader(body), "text", p)
}

// decodeBody reads the bytes of a text part as UTF-8 with go-message's
// charset package. Around it, a charset unknown or not the text's, HTML
// that names its charset only inside, raw ISO-2022-JP, stray 8-bit bytes
// and a body cut anywhere (an IMAP partial fetch) are read as well as
// they can be.
func decodeBody(data []byte, media, label string, p *problems) string {
	switch {
	case isUTF8Label(label) && hasISO2022Escape(data):
		label = "iso-2022-jp"
	case label == "" && textKind(media) == markupText && !utf8.Valid(data):
		_, label, _ = htmlcharset.DetermineEncoding(data, "text/html")
	case isUTF8Label(label):
		data = trimPartialRune(data, strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8"))
	}
	s, ok := decodeCharset(data, label)
	if !ok {
		p.add("unknown charset %s; text read as UTF-8 or Windows-1252", quote(label))
	}
	return s
}

// canReadPrefix reports whether the start of a text part, decoded, reads
// as the start of the whole part does, so that a snippet can be made
// from it (prefixSnippet): decodeBody reads the text as UTF-8, and will
// not relabel it for what comes later. It would for ISO-2022-JP escapes,
// which may hide in base64 and come from "=1B" in quoted-printable (a raw
// ESC stops the decoder), and for HTML without a charset that is not all
// UTF-8. cte is the part's Content-Transfer-Encoding, read as open does.
func canReadPrefix(cte, media, label string, body []byte) bool {
	if !isUTF8Label(label) || label == "" && textKind(media) == markupText {
		return false
	}
	switch cte = strings.ToLower(cte); {
	case strings.Contains(cte, "base64"):
		return false
	case strings.HasPrefix(cte, "quoted"):
		return !hasEscapeCode(body)
	}
	return !hasISO2022Escape(body) // the bytes are read as they travel
}

// hasEscapeCode reports whether quoted-printable text encodes an ESC:
// holds "=1B" or "=1b".
func hasEscapeCode(b []byte) bool {
	for {
		i := bytes.Index(b, []byte("=1"))
		if i < 0 || i+2 >= len(b) {
			return false
		}
		if b[i+2] == 'B' || b[i+2] == 'b' {
			return true
		}
		b = b[i+2:]
	}
}

// prefixSnippet makes a snippet from the start of a text, when that is
// enough: done is false when the rest of the text could change it. The
// last line of text, which may be cut, is not read.
func prefixSnippet(text, media string, maxRunes int) (s string, done bool) {
	lines := textLines(text)
	if textKind(media) == markupText {
		lines = htmlLines(text)
	}
	if s, done = replyText(allButLast(lines), maxRunes, len(text)); !done {
		return "", false
	}
	return shorten(s, maxRunes), true
}

// allButLast yields what seq yields, less its last string.
func allButLast(seq iter.Seq[string]) iter.Seq[string] {
	return func(yield func(string) bool) {
		var last string
		started := false
		for s := range seq {
			if started && !yield(last) {
				return
			}
			last, started = s, true
		}
	}
}

// readMore reads r on into data up to limit bytes in all, and reports
// whether r ended (its end, or an error) before. A transfer decoding
// gives at most size bytes, the encoded size.
func readMore(r io.Reader, data []byte, limit, size int) ([]byte, bool) {
	for len(data) < limit {
		if len(data) == cap(data) {
			data = slices.Grow(data, min(max(size+1, 2*len(data), 512), limit)-len(data))
		}
		n, err := r.Read(data[len(data):min(cap(data), limit)])
		data = data[:len(data)+n]
		if err != nil {
			return data, true
		}
	}
	return data, false
}

// looksBase64 reports whether a body declared base64 is: base64 lines
// hold no inner spaces or punctuation, text mislabelled as base64 does.
func looksBase64(b []byte) bool {
	foreign := 0
	for line := range bytes.Lines(b) {
		for _, c := range bytes.TrimSpace(line) {
			if !base64Bytes[c] {
				foreign++
			}
		}
	}
	return foreign*50 <= len(b)
}

// base64Bytes holds the bytes of the standard and URL-safe base64
// alphabets, and padding.
var base64Bytes = func() (set [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=") {
		set[c] = true
	}
	return set
}()

// textSnippet turns decoded text into a snippet: HTML rendered as text,
// quotes and signatures dropped, white space collapsed, length bounded.
func textSnippet(text, media string, maxRunes int) string {
	lines := textLines(text)
	if textKind(media) == markupText {
		lines = htmlLines(text)
	}
	s, _ := replyText(lines, maxRunes, len(text))
	return shorten(s, maxRunes)
}

// textLines yields the lines of text without their "\n". Unlike the
// sequence of strings.SplitSeq, it can be ranged over more than once.
func textLines(text string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for rest, more := text, true; more; {
			var line string
			line, rest, more = strings.Cut(rest, "\n")
			if !yield(line) {
				return
			}
		}
	}
}

// replyText returns what the sender wrote in a text, given line by line:
// quoted lines, attribution lines ("On ... wrote:"), and everything from
// a signature ("-- ") or a quoted original message on are dropped, and
// white space collapsed. When that leaves nothing (a bare forward), the
// whole text is used.
//
// Only the start is made: a little more than maxRunes runes, as that is
// all shorten looks at, and the lines after it are not read. done reports
// whether more lines could change the result, were the text to go on:
// they could not past maxRunes runes or after a signature. size, the
// length of the text, bounds the memory set aside.
func replyText(lines iter.Seq[string], maxRunes, size int) (text string, done bool) {
	reply := collapser{max: maxRunes}
	reply.b.Grow(min(size, 2*min(size, maxRunes)+64))
	var pending string // an "On ..." line, dropped when an attribution follows
	hasPending, written := false, false
	for raw := range lines {
		if hasPending {
			hasPending = false
			if isAttribution(strings.TrimSpace(raw)) {
				continue // the attribution was cut in two
			}
			reply.writeLine(pending)
			written = true
		}
		if done = reply.full(); done {
			break
		}
		line := strings.TrimRight(raw, "\r")
		t := strings.TrimSpace(line)
		rule := isRule(t)
		if line == "-- " || line == "--" || isOriginalMarker(t) || rule && t[0] == '_' && written {
			done = true
			break // Outlook draws a rule of '_' above the quoted original
		}
		if t == "" || t[0] == '>' || isAttribution(t) || rule {
			continue
		}
		if strings.HasPrefix(t, "On ") {
			pending, hasPending = line, true
			continue
		}
		reply.writeLine(line)
		written = true
	}
	done = done || reply.full() // not by a last "On ..." line: what follows may drop it
	if hasPending {
		reply.writeLine(pending)
	}
	if s := reply.String(); s != "" {
		return s, done
	}
	all := collapser{max: maxRunes}
	for line := range lines {
		if all.writeLine(line); all.full() {
			break
		}
	}
	return all.String(), done && all.full()
}

// isOriginalMarker reports whether a line starts the quoted original
// message in a reply or forward, or uuencoded data.
func isOriginalMarker(t string) bool {
	if strings.HasPrefix(t, "-----") {
		lower := strings.ToLower(t)
		return strings.Contains(lower, "original message") || strings.Contains(lower, "forwarded message")
	}
	if !strings.HasPrefix(t, "begin") {
		return false
	}
	f := strings.Fields(t)
	return len(f) == 3 && f[0] == "begin" && len(f[1]) >= 3 && len(f[1]) <= 4 && strings.Trim(f[1], "01234567") == ""
}

// isRule reports whether a line is only a drawn rule: ten or more of one
// punctuation or symbol character ("-----", "_____", "═════").
func isRule(t string) bool {
	r, size := utf8.DecodeRuneInString(t)
	return size > 0 && len(t) >= 10*size && strings.Trim(t, t[:size]) == "" && (unicode.IsPunct(r) || unicode.IsSymbol(r))
}

// isAttribution reports whether a line introduces a quote ("On Mon, Jan
// 5, Ann <ann@x> wrote:").
func isAttribution(t string) bool {
	if len(t) > 300 || !strings.HasSuffix(t, ":") {
		return false
	}
	for _, s := range attributionEnds {
		if strings.HasSuffix(t, s) {
			return true
		}
	}
	return false
}

var attributionEnds = []string{"wrote:", "writes:", "schrieb:", "a écrit :", "a écrit:", "escribió:", "ha scritto:", "написал:", "napisał:"}

// shorten trims collapsed text to at most maxRunes runes, at a word
// boundary when one is not too far back.
func shorten(s string, maxRunes int) string {
	n := 0
	for cut := range s {
		if n++; n <= maxRunes {
			continue
		}
		if s[cut] == ' ' {
			return s[:cut]
		}
		if i := strings.LastIndexByte(s[:cut], ' '); i > cut/2 {
			return s[:i]
		}
		return s[:cut]
	}
	return s
}
