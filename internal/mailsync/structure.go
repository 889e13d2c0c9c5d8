package mailsync

import (
	"mime"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/dealtrail/dealtrail/internal/mailparse"

	"github.com/dealtrail/dealtrail/internal/model"
)

// maxStructureDepth bounds the BODYSTRUCTURE walk; deeper parts are
// skipped (hostile mail nests multiparts to make parsers slow).
const maxStructureDepth = 20

// partPlan is what a message's BODYSTRUCTURE says to fetch and to keep:
// the text part the snippet comes from, the calendar parts, and the
// attachments (listed, never fetched).
type partPlan struct {
	text        *partRef
	calendars   []*partRef
	attachments []model.Attachment
	problems    []string
}

// partRef is a leaf part and its IMAP section path.
type partRef struct {
	path []int
	part *imap.BodyStructureSinglePart
}

// section returns the IMAP section path, such as "1.2".
func (r *partRef) section() string {
	s := make([]string, len(r.path))
	for i, n := range r.path {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

// planParts walks a BODYSTRUCTURE. The snippet comes from the first
// text/plain part that is not an attachment, else the first such
// text/html part; parts inside an attached message are not looked into.
func planParts(bs imap.BodyStructure) partPlan {
	var p partPlan
	var plain, html *partRef
	var walk func(part imap.BodyStructure, path []int, depth int)
	walk = func(part imap.BodyStructure, path []int, depth int) {
		switch part := part.(type) {
		case *imap.BodyStructureMultiPart:
			if depth >= maxStructureDepth {
				p.problems = append(p.problems, "MIME parts nested too deep; the rest skipped")
				return
			}
			for i, child := range part.Children {
				walk(child, append(path[:len(path):len(path)], i+1), depth+1)
			}
		case *imap.BodyStructureSinglePart:
			if len(path) == 0 {
				path = []int{1} // a single-part message: its body is part 1
			}
			ref := &partRef{path: path, part: part}
			media := part.MediaType()
			if media == "text/calendar" || media == "application/ics" {
				if int64(part.Size) > encodedLimit(mailparse.MaxCalendarBytes, part.Encoding) {
					p.problems = append(p.problems, "calendar part over the 256 KB limit; skipped")
				} else {
					p.calendars = append(p.calendars, ref)
				}
			}
			disposition, name := dispositionOf(part)
			switch {
			case media == "message/rfc822" || media == "message/global":
				if name == "" && part.MessageRFC822 != nil && part.MessageRFC822.Envelope != nil {
					name = part.MessageRFC822.Envelope.Subject
				}
				if name == "" {
					name = "message.eml"
				}
				p.attachments = append(p.attachments, model.Attachment{Name: name, ContentType: media, Size: decodedSize(part)})
			case disposition == "attachment" || name != "" || !isTextual(media):
				p.attachments = append(p.attachments, model.Attachment{Name: name, ContentType: media, Size: decodedSize(part)})
			case media == "text/plain" && plain == nil:
				plain = ref
			case media == "text/html" && html == nil:
				html = ref
			}
		}
	}
	walk(bs, nil, 0)
	p.text = plain
	if p.text == nil {
		p.text = html
	}
	return p
}

// dispositionOf returns a part's Content-Disposition value, lower-cased,
// and its file name (RFC 2047 and 2231 decoded, without directories).
func dispositionOf(part *imap.BodyStructureSinglePart) (disposition, name string) {
	if d := part.Disposition(); d != nil {
		disposition = strings.ToLower(d.Value)
		name = paramValue(d.Params, "filename")
	}
	if name == "" {
		name = paramValue(part.Params, "name")
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 && i < len(name)-1 {
		name = name[i+1:]
	}
	return disposition, name
}

// paramValue returns a MIME parameter, decoding RFC 2231 extended and
// continued values (name*=, with a charset and percent escapes, and
// name*0*=, name*1*=, ...) that the server passes on as they are;
// go-imap has already decoded RFC 2047 words.
func paramValue(params map[string]string, key string) string {
	if v, ok := params[key]; ok {
		return v
	}
	var b strings.Builder
	b.WriteString("x")
	found := false
	for k, v := range params {
		if k == key+"*" || strings.HasPrefix(k, key+"*") {
			found = true
			b.WriteString("; " + k + "=")
			if strings.HasSuffix(k, "*") {
				b.WriteString(v)
			} else {
				b.WriteString(strconv.Quote(v))
			}
		}
	}
	if !found {
		return ""
	}
	_, decoded, err := mime.ParseMediaType(b.String())
	if err != nil {
		return ""
	}
	return decoded[key]
}

// isTextual reports whether a leaf of this type is read, not attached:
// text, and the machine-readable reports in bounces and receipts (as the
// parser does for whole messages).
func isTextual(media string) bool {
	switch media {
	case "message/delivery-status", "message/global-delivery-status",
		"message/disposition-notification", "message/global-disposition-notification",
		"message/feedback-report":
		return true
	}
	return strings.HasPrefix(media, "text/")
}

// decodedSize estimates a part's decoded size from its size as it
// travels: base64 is about 3/4 of it, once line breaks are left out.
func decodedSize(part *imap.BodyStructureSinglePart) int64 {
	n := int64(part.Size)
	if strings.EqualFold(part.Encoding, "base64") {
		chars := n - 2*(n/78) // 76 characters and CRLF a line
		return chars / 4 * 3
	}
	return n
}

// encodedLimit is the travelling size of a part whose decoded size is
// limit.
func encodedLimit(limit int64, encoding string) int64 {
	if strings.EqualFold(encoding, "base64") {
		return limit/3*4 + 2*(limit/57) + 4
	}
	return limit
}
