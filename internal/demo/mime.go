package demo

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"html"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// attachment is a file to attach, with its body.
type attachment struct {
	name, contentType string
	data              []byte
}

// draft is a message to render as MIME.
type draft struct {
	from       person
	to, cc     []person
	date       time.Time // in the sender's zone
	subject    string
	messageID  string
	inReplyTo  string
	references []string
	text       string // plain text body, "\n" line endings
	files      []attachment
}

// render writes the draft as an RFC 5322 message with CRLF line endings:
// multipart/alternative (text and HTML), inside multipart/mixed when it
// has attachments. Boundaries derive from the Message-ID, so the same
// draft always renders the same bytes.
func (d draft) render() []byte {
	var b bytes.Buffer
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	header("Date", d.date.Format(time.RFC1123Z))
	header("From", d.from.address())
	header("To", addressList(d.to))
	if len(d.cc) > 0 {
		header("Cc", addressList(d.cc))
	}
	header("Subject", mime.QEncoding.Encode("utf-8", d.subject))
	header("Message-ID", "<"+d.messageID+">")
	if d.inReplyTo != "" {
		header("In-Reply-To", "<"+d.inReplyTo+">")
	}
	if len(d.references) > 0 {
		refs := make([]string, len(d.references))
		for i, r := range d.references {
			refs[i] = "<" + r + ">"
		}
		header("References", strings.Join(refs, "\r\n "))
	}
	header("MIME-Version", "1.0")
	if d.from.user != "" {
		header("X-Mailer", "OurCo Mail 4.2")
	}

	alt := boundary(d.messageID, "alt")
	if len(d.files) == 0 {
		header("Content-Type", `multipart/alternative; boundary="`+alt+`"`)
		b.WriteString("\r\n")
		writeAlternative(&b, alt, d.text)
		return b.Bytes()
	}
	mixed := boundary(d.messageID, "mixed")
	header("Content-Type", `multipart/mixed; boundary="`+mixed+`"`)
	b.WriteString("\r\nThis is a multi-part message in MIME format.\r\n")
	fmt.Fprintf(&b, "--%s\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", mixed, alt)
	writeAlternative(&b, alt, d.text)
	for _, f := range d.files {
		fmt.Fprintf(&b, "\r\n--%s\r\n", mixed)
		fmt.Fprintf(&b, "Content-Type: %s; name=\"%s\"\r\n", f.contentType, f.name)
		fmt.Fprintf(&b, "Content-Disposition: attachment; filename=\"%s\"\r\n", f.name)
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		writeBase64(&b, f.data)
	}
	fmt.Fprintf(&b, "\r\n--%s--\r\n", mixed)
	return b.Bytes()
}

// writeAlternative writes the text and HTML versions of a body.
func writeAlternative(b *bytes.Buffer, boundary, text string) {
	for _, part := range []struct{ typ, body string }{
		{"text/plain", text},
		{"text/html", toHTML(text)},
	} {
		fmt.Fprintf(b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
			boundary, part.typ)
		qp := quotedprintable.NewWriter(b)
		qp.Write([]byte(part.body)) // a bytes.Buffer does not fail
		qp.Close()
		b.WriteString("\r\n")
	}
	fmt.Fprintf(b, "--%s--\r\n", boundary)
}

// toHTML turns a plain-text body into the HTML a mail client would send:
// paragraphs, line breaks, and the quoted reply in a blockquote.
func toHTML(text string) string {
	var b strings.Builder
	b.WriteString("<html><body style=\"font-family: Arial, sans-serif; font-size: 14px\">\n")
	var quote []string
	for _, para := range strings.Split(text, "\n\n") {
		lines := strings.Split(para, "\n")
		if strings.HasPrefix(lines[0], "> ") || (len(lines) > 1 && strings.HasPrefix(lines[1], "> ")) {
			quote = append(quote, lines...)
			continue
		}
		for i, l := range lines {
			lines[i] = html.EscapeString(l)
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>\n") + "</p>\n")
	}
	if len(quote) > 0 {
		b.WriteString("<div class=\"quote\">")
		inBlock := false
		for _, l := range quote {
			switch {
			case strings.HasPrefix(l, "> "):
				if !inBlock {
					b.WriteString("<blockquote style=\"border-left: 2px solid #ccc; padding-left: 8px\">")
					inBlock = true
				}
				b.WriteString(html.EscapeString(strings.TrimPrefix(l, "> ")) + "<br>\n")
			default:
				b.WriteString(html.EscapeString(l) + "<br>\n")
			}
		}
		if inBlock {
			b.WriteString("</blockquote>")
		}
		b.WriteString("</div>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// writeBase64 writes data in base64 lines of 76 characters.
func writeBase64(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}

// boundary derives a MIME boundary from the Message-ID.
func boundary(messageID, kind string) string {
	h := fnv.New64a()
	h.Write([]byte(messageID))
	return fmt.Sprintf("=_%s_%016x", kind, h.Sum64())
}

// addressList formats people as an address header value, one per line.
func addressList(ps []person) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.address()
	}
	return strings.Join(out, ",\r\n ")
}

// address formats the person as a mailbox with an encoded display name.
func (p person) address() string {
	return (&mail.Address{Name: p.name, Address: p.email}).String()
}
