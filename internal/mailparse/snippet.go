package mailparse

import (
	"bufio"
	"bytes"
	"io"
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
			if s := textSnippet(readText(u.header, u.media, u.label, bytes.NewReader(u.raw), w.p), u.media, maxRunes); s != "" {
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
	return textSnippet(readText(h, media, label, bytes.NewReader(body), p), media, maxRunes)
}

// readText reads the start of a text part as UTF-8: go-message undoes the
// transfer encoding and its charset package the charset. Around them,
// plain text labelled base64, a charset unknown or not the text's, HTML
// that names its charset only inside, raw ISO-2022-JP, stray 8-bit bytes
// and a body cut anywhere (an IMAP partial fetch) are read as well as
// they can be.
func readText(h message.Header, media, label string, body io.Reader, p *problems) string {
	br := bufio.NewReader(body)
	if strings.Contains(strings.ToLower(h.Get("Content-Transfer-Encoding")), "base64") {
		if peek, _ := br.Peek(1024); !looksBase64(peek) {
			p.add("text declared base64 is not; read as is")
			h.Del("Content-Transfer-Encoding")
		}
	}
	h.Del("Content-Type") // the charset is read below, not by message.New
	data, _ := io.ReadAll(io.LimitReader(open(h, br, "text", p), maxSnippetInput))
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

// looksBase64 reports whether a body declared base64 is: base64 lines
// hold no inner spaces or punctuation, text mislabelled as base64 does.
func looksBase64(b []byte) bool {
	foreign := 0
	for line := range bytes.Lines(b) {
		for _, c := range bytes.TrimSpace(line) {
			if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("+/-_=", c) >= 0) {
				foreign++
			}
		}
	}
	return foreign*50 <= len(b)
}

// textSnippet turns decoded text into a snippet: HTML rendered as text,
// quotes and signatures dropped, white space collapsed, length bounded.
func textSnippet(text, media string, maxRunes int) string {
	if textKind(media) == markupText {
		text = htmlToText(text)
	}
	return shorten(replyText(text), maxRunes)
}

// replyText returns what the sender wrote: quoted lines, attribution
// lines ("On ... wrote:"), and everything from a signature ("-- ") or a
// quoted original message on are dropped, and white space collapsed.
// When that leaves nothing (a bare forward), the whole text is used.
func replyText(text string) string {
	lines := strings.Split(text, "\n")
	var b strings.Builder
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\r")
		t := strings.TrimSpace(line)
		if line == "-- " || line == "--" || isOriginalMarker(t) || isRule(t) && t[0] == '_' && b.Len() > 0 {
			break // Outlook draws a rule of '_' above the quoted original
		}
		if t == "" || strings.HasPrefix(t, ">") || isAttribution(t) || isRule(t) {
			continue
		}
		if strings.HasPrefix(t, "On ") && i+1 < len(lines) && isAttribution(strings.TrimSpace(lines[i+1])) {
			i++
			continue
		}
		b.WriteString(line + "\n")
	}
	if s := collapse(b.String()); s != "" {
		return s
	}
	return collapse(text)
}

// isOriginalMarker reports whether a line starts the quoted original
// message in a reply or forward, or uuencoded data.
func isOriginalMarker(t string) bool {
	lower := strings.ToLower(t)
	if strings.HasPrefix(lower, "-----") && (strings.Contains(lower, "original message") || strings.Contains(lower, "forwarded message")) {
		return true
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
	for _, s := range []string{"wrote:", "writes:", "schrieb:", "a écrit :", "a écrit:", "escribió:", "ha scritto:", "написал:", "napisał:"} {
		if strings.HasSuffix(t, s) && len(t) <= 300 {
			return true
		}
	}
	return false
}

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
