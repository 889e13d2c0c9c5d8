package calparse

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/dealtrail/dealtrail/internal/model"
)

// text unescapes a TEXT value (RFC 5545 section 3.3.11: \n, \, \; \\).
// go-ical's Prop.Text is not used: it splits at unescaped commas and
// keeps the first piece, so "Lunch, then demo" would lose its end, and
// it refuses unknown escapes, which real producers write ("\:"). Here an
// unknown escape stands for its character. The result is valid UTF-8
// without control characters other than newline and tab.
func text(s string) string {
	if strings.IndexByte(s, '\\') >= 0 {
		var b strings.Builder
		b.Grow(len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n', 'N':
					b.WriteByte('\n')
				default:
					b.WriteByte(s[i])
				}
				continue
			}
			b.WriteByte(c)
		}
		s = b.String()
	}
	return cleanText(s)
}

// cleanText makes s valid UTF-8 and drops control characters other than
// newline and tab.
func cleanText(s string) string {
	clean := utf8.ValidString(s)
	for i := 0; clean && i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\n' && c != '\t' || c == 0x7f {
			clean = false
		}
	}
	if clean {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < ' ' && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// textOf returns the unescaped text of the first property called name.
func textOf(c *ical.Component, name string) string {
	if prop := c.Props.Get(name); prop != nil {
		return text(prop.Value)
	}
	return ""
}

var partStats = map[string]model.PartStat{
	"ACCEPTED":     model.PartAccepted,
	"DECLINED":     model.PartDeclined,
	"TENTATIVE":    model.PartTentative,
	"NEEDS-ACTION": model.PartNeedsAction,
	"DELEGATED":    model.PartDelegated,
}

// readParticipants returns the organizer, then the attendees, each once.
// Only mailto: addresses are kept, lower-cased; rooms and resources
// (CUTYPE=ROOM or RESOURCE) are not people taking part and are left out.
// An attendee without PARTSTAT has the RFC 5545 default, needs-action.
func readParticipants(c *ical.Component) []model.Participant {
	var out []model.Participant
	if prop := c.Props.Get(ical.PropOrganizer); prop != nil {
		if email, ok := mailto(prop.Value); ok {
			out = append(out, model.Participant{Email: email, Name: paramText(prop.Params.Get(ical.ParamCommonName)), Role: model.RoleOrganizer})
		}
	}
	seen := map[string]bool{}
	for _, prop := range c.Props.Values(ical.PropAttendee) {
		switch strings.ToUpper(prop.Params.Get(ical.ParamCalendarUserType)) {
		case "ROOM", "RESOURCE":
			continue
		}
		email, ok := mailto(prop.Value)
		if !ok || seen[email] {
			continue
		}
		seen[email] = true
		status := model.PartNeedsAction
		if ps := prop.Params.Get(ical.ParamParticipationStatus); ps != "" {
			status = partStats[strings.ToUpper(strings.TrimSpace(ps))]
		}
		out = append(out, model.Participant{Email: email, Name: paramText(prop.Params.Get(ical.ParamCommonName)), Role: model.RoleAttendee, Status: status})
	}
	return out
}

// mailto returns the lower-cased address of a mailto: URI.
func mailto(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if len(v) < 7 || !strings.EqualFold(v[:7], "mailto:") {
		return "", false
	}
	addr := strings.TrimSpace(v[7:])
	if i := strings.IndexByte(addr, '?'); i >= 0 {
		addr = addr[:i]
	}
	if strings.IndexByte(addr, '%') >= 0 {
		if un, err := url.PathUnescape(addr); err == nil {
			addr = un
		}
	}
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 || strings.ContainsAny(addr, " \t<>\",;") || !utf8.ValidString(addr) {
		return "", false
	}
	return addr, true
}

// paramText decodes a parameter value's RFC 6868 escapes (^n, ^', ^^)
// for a display name.
func paramText(s string) string {
	if strings.IndexByte(s, '^') >= 0 {
		s = strings.NewReplacer("^n", " ", "^N", " ", "^'", `"`, "^^", "^").Replace(s)
	}
	return strings.TrimSpace(cleanText(s))
}
