package mailparse

import (
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// earliestDate is the first date dealtrail believes in; anything before
// is a broken clock or a broken header.
var earliestDate = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// readDate reads the Date header leniently. A missing, unreadable or
// implausible date (before 1980, or more than a year after now) yields
// the zero time and a problem: the caller has better sources (the IMAP
// INTERNALDATE).
func readDate(h mail.Header, now time.Time, p *problems) time.Time {
	v := h.Get("Date")
	if v == "" {
		p.add("no Date header")
		return time.Time{}
	}
	t, ok := parseDate(v, h.Date)
	switch {
	case !ok:
		p.add("unreadable Date header %s", quote(v))
		return time.Time{}
	case t.Before(earliestDate) || t.After(now.AddDate(1, 0, 0)):
		p.add("implausible Date header %s ignored", quote(v))
		return time.Time{}
	}
	return t
}

// Broken forms of dates tried after RFC 5322, on the value cleaned by
// normaliseDate. The local layouts read the time as UTC.
var (
	zoneLayouts = []string{"2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04 -0700", "2 Jan 06 15:04:05 -0700",
		"2 Jan 06 15:04 -0700", "2 Jan 2006 15:04:05 MST", "2 Jan 06 15:04:05 MST", "2 Jan 06 15:04 MST",
		"2 January 2006 15:04:05 -0700", "02-Jan-2006 15:04:05 -0700", "Jan 2 15:04:05 MST 2006",
		"Jan 2 2006 15:04:05 -0700", time.RFC3339, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 -0700"}
	localLayouts = []string{"2 Jan 2006 15:04:05", "2 Jan 2006 15:04", "2 Jan 06 15:04:05", "Jan 2 15:04:05 2006",
		"Jan 2 2006 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04:05"}
)

// parseDate reads a Date header value: the common form, then RFC 5322
// (go-message's, which is net/mail's and slow on failure), then broken
// forms. A zone name is read with its usual offset, on any machine.
func parseDate(v string, rfc5322 func() (time.Time, error)) (time.Time, bool) {
	common := v
	if i := strings.LastIndex(v, " ("); i > 0 && strings.HasSuffix(v, ")") {
		common = v[:i] // "(UTC)"
	}
	if t, err := time.Parse("Mon, 2 Jan 2006 15:04:05 -0700", common); err == nil {
		return fixZone(t), true
	}
	if t, err := rfc5322(); err == nil {
		return fixZone(t), true
	}
	s := normaliseDate(v)
	for _, layout := range append(zoneLayouts, localLayouts...) {
		if t, err := time.Parse(layout, s); err == nil {
			return fixZone(t), true
		}
	}
	if i := strings.LastIndexByte(s, ' '); i > 0 { // a garbage zone ("H0500")
		for _, layout := range localLayouts {
			if t, err := time.Parse(layout, s[:i]); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// normaliseDate removes what commonly breaks date parsing: comments, a
// day of the week, commas, runs of spaces, "GMT+0200" and "+02:00" zones.
func normaliseDate(v string) string {
	f := strings.Fields(strings.ReplaceAll(stripComments(v), ",", " "))
	if len(f) > 1 && strings.Trim(strings.ToLower(f[0]), "abcdefghijklmnopqrstuvwxyz.") == "" && !isMonth(f[0]) {
		f = f[1:]
	}
	for i, w := range f {
		for _, prefix := range []string{"GMT", "UTC", "UT"} {
			if rest, ok := strings.CutPrefix(strings.ToUpper(w), prefix); ok && len(rest) > 1 && (rest[0] == '+' || rest[0] == '-') {
				w = rest
			}
		}
		if (w[0] == '+' || w[0] == '-') && len(w) == 6 && w[3] == ':' {
			w = w[:3] + w[4:]
		}
		f[i] = strings.TrimSuffix(w, ".")
	}
	return strings.Join(f, " ")
}

func isMonth(w string) bool {
	return len(w) >= 3 && strings.Contains("jan feb mar apr may jun jul aug sep oct nov dec", strings.ToLower(w[:3]))
}

// zoneOffsets are the zone names still seen in Date headers (RFC 822's
// North American zones and a few others), in seconds east of UTC.
var zoneOffsets = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600, "BST": 3600, "CET": 3600,
	"CEST": 2 * 3600, "MET": 3600, "MEST": 2 * 3600, "EET": 2 * 3600, "EEST": 3 * 3600, "JST": 9 * 3600,
	"KST": 9 * 3600, "IST": 5*3600 + 1800, "HKT": 8 * 3600, "SGT": 8 * 3600, "AEST": 10 * 3600,
	"AEDT": 11 * 3600, "NZST": 12 * 3600, "NZDT": 13 * 3600,
}

// fixZone returns t in a fixed zone, the same on every machine: a zone
// name gets the offset it stands for (time.Parse gives names other than
// the machine's own offset zero), a numeric offset loses the link to the
// machine's local zone.
func fixZone(t time.Time) time.Time {
	name, offset := t.Zone()
	if want, ok := zoneOffsets[strings.ToUpper(name)]; ok {
		offset = want
	}
	loc := time.UTC
	if offset != 0 {
		loc = time.FixedZone("", offset)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}
