package mailparse

import (
	"net/mail"
	"strings"
)

// plainAddressList reads an address list made only of the plain forms
// most mail uses: "addr", "Name <addr>" and "\"Name\" <addr>", in ASCII,
// separated by commas. It reads them as go-message does (its parser is
// net/mail's), without the allocations. ok is false for anything else
// (comments, groups, encoded words, escapes, non-ASCII text, domain
// literals, white space inside an address, empty entries), which is left
// to go-message.
// The addresses are appended to list.
func plainAddressList(list []mail.Address, v string) (_ []mail.Address, ok bool) {
	if !isPlainAddressText(v) {
		return nil, false
	}
	for rest := v; ; {
		var a mail.Address
		if a, rest, ok = plainAddress(rest); !ok {
			return nil, false
		}
		list = append(list, a)
		switch rest = trimWSP(rest); {
		case rest == "":
			return list, true
		case rest[0] != ',':
			return nil, false
		}
		if rest = trimWSP(rest[1:]); rest == "" {
			return list, true // a trailing comma
		}
	}
}

// isPlainAddressText reports whether v holds only printable ASCII and
// white space, without the comments, escapes and encoded words that
// plainAddressList leaves to go-message.
func isPlainAddressText(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' || c > '~') && c != '\t' || c == '(' || c == ')' || c == '\\' {
			return false
		}
	}
	return !strings.Contains(v, "=?")
}

// plainAddress reads the address at the start of s as net/mail does: an
// addr-spec when s starts with one, else a display name (a phrase of
// atoms and quoted strings) and an addr-spec in angle brackets.
func plainAddress(s string) (a mail.Address, rest string, ok bool) {
	s = trimWSP(s)
	if n := atomLen(s); n < len(s) && s[n] == '@' {
		a.Address, rest, ok = plainAddrSpec(s)
		return a, rest, ok
	}
	if len(s) > 0 && s[0] == '"' {
		if end := strings.IndexByte(s[1:], '"'); end >= 0 && strings.HasPrefix(s[end+2:], "@") {
			return a, "", false // a quoted local part
		}
	}
	rest = s
	if len(s) > 0 && s[0] != '<' {
		if a.Name, rest, ok = plainPhrase(s); !ok {
			return a, "", false
		}
	}
	if rest == "" || rest[0] != '<' {
		return a, "", false // a group, or no address
	}
	if a.Address, rest, ok = plainAddrSpec(rest[1:]); !ok || rest == "" || rest[0] != '>' {
		return a, "", false
	}
	return a, rest[1:], true
}

// plainAddrSpec reads a dot-atom "local@domain" at the start of s.
func plainAddrSpec(s string) (spec, rest string, ok bool) {
	n := atomLen(s)
	if n == len(s) || s[n] != '@' || !isDotAtom(s[:n]) {
		return "", "", false
	}
	m := n + 1 + atomLen(s[n+1:])
	if !isDotAtom(s[n+1 : m]) {
		return "", "", false
	}
	return s[:m], s[m:], true
}

// plainPhrase reads a display name as net/mail's consumePhrase does: the
// words (atoms, dots allowed, and quoted strings) joined by single spaces.
func plainPhrase(s string) (name, rest string, ok bool) {
	var buf [8]string
	words := buf[:0]
	start, quoted := s, false
	for {
		s = trimWSP(s)
		if s == "" {
			break
		}
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return "", "", false // unclosed
			}
			words, s, quoted = append(words, s[1:end+1]), s[end+2:], true
			continue
		}
		n := atomLen(s)
		if n == 0 {
			break
		}
		words, s = append(words, s[:n]), s[n:]
	}
	switch span := strings.TrimRight(start[:len(start)-len(s)], " \t"); {
	case len(words) == 0:
		return "", "", false
	case len(words) == 1:
		name = words[0]
	case !quoted && !strings.Contains(span, "  ") && !strings.Contains(span, "\t"):
		name = span // the words and the single spaces between them
	default:
		name = strings.Join(words, " ")
	}
	return name, trimWSP(s), true
}

// atomLen returns the length of the run of atext characters and dots at
// the start of s (ASCII only: the caller has checked s is ASCII).
func atomLen(s string) int {
	for i := 0; i < len(s); i++ {
		if !isAtomByte(s[i]) {
			return i
		}
	}
	return len(s)
}

// isAtomByte reports whether c is RFC 5322 atext or a dot, in ASCII.
func isAtomByte(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '"':
		return false
	}
	return ' ' < c && c <= '~'
}

// isDotAtom reports whether an atom is a strict RFC 5322 dot-atom: not
// empty, no leading, trailing or double dot.
func isDotAtom(a string) bool {
	return a != "" && a[0] != '.' && a[len(a)-1] != '.' && !strings.Contains(a, "..")
}

// trimWSP trims the spaces and tabs at the start of s.
func trimWSP(s string) string {
	return strings.TrimLeft(s, " \t")
}
