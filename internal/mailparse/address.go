package mailparse

import (
	"net/mail"
	"slices"
	"strings"

	"github.com/dealtrail/dealtrail/internal/model"
	gomail "github.com/emersion/go-message/mail"
)

// maxParticipants bounds the participants kept per message.
const maxParticipants = 1000

// addressFields are the fields participants are read from, in order.
var addressFields = []struct {
	key  string
	role model.Role
}{
	{"From", model.RoleFrom}, {"Sender", model.RoleSender}, {"Reply-To", model.RoleReplyTo},
	{"To", model.RoleTo}, {"Cc", model.RoleCc}, {"Bcc", model.RoleBcc},
}

// participants reads every address field of h. Each address appears once
// per role; emails are lower-cased.
func participants(h gomail.Header, p *problems) []model.Participant {
	var out []model.Participant
	var scratch [4]model.Participant
	for _, f := range addressFields {
		for _, v := range h.Values(f.key) {
			for _, a := range addresses(scratch[:0], v, f.key, p) {
				if len(out) == maxParticipants {
					p.add("more than %d participants; the rest skipped", maxParticipants)
					return out
				}
				a.Role = f.role
				if !slices.ContainsFunc(out, func(b model.Participant) bool { return b.Email == a.Email && b.Role == a.Role }) {
					if out == nil {
						out = make([]model.Participant, 0, 4)
					}
					out = append(out, a)
				}
			}
		}
	}
	return out
}

// addresses parses one address field with go-message (RFC 5322 with
// encoded words), or else piece by piece, keeping what looks like an
// address, and appends them to out. The plain forms most mail uses are
// read by plainAddressList, which gives what go-message gives, faster.
func addresses(out []model.Participant, v, key string, p *problems) []model.Participant {
	var buf [4]mail.Address
	list, ok := plainAddressList(buf[:0], v)
	if !ok {
		list = parseAddressList(v, key, p)
	}
	for _, a := range list {
		// net/mail leaves encoded words inside quotes, where many mailers put them.
		name := decodeText(strings.Trim(strings.TrimSpace(a.Name), `"'`), p)
		email := a.Address
		if strings.ContainsAny(email, " \t") {
			email = strings.Join(strings.Fields(email), "")
		}
		if email != "" {
			out = append(out, model.Participant{Email: collapse(strings.ToLower(email)), Name: name})
		}
	}
	return out
}

// parseAddressList reads an address list with go-message, or, where it
// fails, piece by piece with net/mail and looseAddress.
func parseAddressList(v, key string, p *problems) []mail.Address {
	list, err := gomail.ParseAddressList(v)
	if err != nil {
		list = nil
		parser := mail.AddressParser{WordDecoder: lenientDecoder(p)}
		for _, piece := range splitAddressList(v) {
			a, err := parser.Parse(piece)
			if err != nil {
				a = looseAddress(piece)
			}
			if !strings.Contains(a.Address, "@") {
				p.add("unreadable address in %s header: %s", key, quote(piece))
				continue
			}
			list = append(list, a)
		}
	}
	out := make([]mail.Address, len(list))
	for i, a := range list {
		out[i] = *a
	}
	return out
}

// splitAddressList cuts an address list net/mail rejected at the commas
// and semicolons outside quotes, comments, encoded words and angle
// brackets, and between two bracketed addresses with no comma between
// them. Group names ("team: a@x, b@y;") and lone comments are dropped.
func splitAddressList(v string) []string {
	var out []string
	quoted, depth, angle, addr, start := false, 0, false, false, 0
	cut := func(end, next int) {
		if piece := strings.TrimSpace(v[start:end]); strings.TrimSpace(stripComments(piece)) != "" {
			out = append(out, piece)
		}
		start, addr = next, false
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\':
			i++
		case quoted:
			quoted = c != '"'
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '"':
			quoted = true
		case c == '=' && strings.HasPrefix(v[i:], "=?"):
			i += max(encodedWordLen(v[i:])-1, 0)
		case c == '<':
			angle, addr = true, true
		case c == '>' && angle:
			angle = false
			if j := strings.IndexAny(v[i+1:], ",<"); j >= 0 && v[i+1+j] == '<' {
				cut(i+1, i+1)
			}
		case c == '@':
			addr = true
		case c == ':' && !angle && !addr:
			start = i + 1
		case (c == ',' || c == ';') && !angle:
			cut(i, i+1)
		}
	}
	cut(len(v), len(v))
	return out
}

// encodedWordLen returns the length of the RFC 2047 encoded word at the
// start of s ("=?charset?B?text?="), or 0.
func encodedWordLen(s string) int {
	f := strings.SplitN(s, "?", 5)
	if len(f) < 5 || f[0] != "=" || f[1] == "" || len(f[2]) != 1 || !strings.Contains("bBqQ", f[2]) || !strings.HasPrefix(f[4], "=") {
		return 0
	}
	return len(s) - len(f[4]) + 1
}

// looseAddress takes the address out of a piece net/mail rejected: the
// text in angle brackets, or else the first word with an "@"; the rest,
// without quotes and comments, is the name, or else the first comment.
func looseAddress(piece string) *mail.Address {
	var email, name string
	if i := strings.LastIndexByte(piece, '<'); i >= 0 {
		email, _, _ = strings.Cut(piece[i+1:], ">")
		name = piece[:i]
	} else {
		for _, w := range strings.Fields(stripComments(piece)) {
			if strings.Contains(w, "@") {
				email = w
				break
			}
		}
		name = strings.Replace(piece, email, "", 1)
	}
	email = strings.TrimPrefix(strings.Trim(stripComments(email), " \t<>\"'[];:,"), "mailto:")
	if n := strings.Trim(stripComments(name), ` "'`); n != "" {
		return &mail.Address{Name: n, Address: email}
	}
	_, comment, _ := strings.Cut(name, "(")
	return &mail.Address{Name: strings.Trim(comment, ` "')`), Address: email}
}

// stripComments removes the parenthesised comments of a header value.
func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}
