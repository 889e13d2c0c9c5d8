package calparse

import (
	"errors"
	"fmt"
	"strings"
)

// timeValue is a DATE or DATE-TIME value as written, before any zone is
// applied.
type timeValue struct {
	// local is the wall-clock time in local seconds (midnight for a date).
	local int64
	// date is set for a DATE value (an all-day event's day).
	date bool
	// utc is set for a DATE-TIME ending in "Z".
	utc bool
	// tzid is the TZID parameter of a DATE-TIME that is not UTC; "" when
	// the time is floating.
	tzid string
}

// floating reports whether the value is a DATE-TIME with neither a zone
// nor "Z".
func (v timeValue) floating() bool { return !v.date && !v.utc && v.tzid == "" }

var errTimeSyntax = errors.New("not a date or date-time")

// parseTime reads a DATE (20240131) or DATE-TIME (20240131T090000, with a
// trailing Z for UTC). It also takes the extended forms with "-" and ":"
// and a time without seconds, which some producers write. The shape of
// the value decides between DATE and DATE-TIME, whatever VALUE says. tzid
// is the TZID parameter; it is kept only for a DATE-TIME that is not UTC.
func parseTime(s string, tzid string) (timeValue, error) {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		return timeValue{}, errTimeSyntax
	}
	if strings.ContainsAny(s, "-:") && len(s) > 8 {
		s = strings.NewReplacer("-", "", ":", "").Replace(s)
	}
	var v timeValue
	if n := len(s); n > 0 && (s[n-1] == 'Z' || s[n-1] == 'z') {
		v.utc = true
		s = s[:n-1]
	}
	datePart, timePart, hasTime := strings.Cut(s, "T")
	if !hasTime {
		datePart, timePart, hasTime = strings.Cut(s, "t")
	}
	if len(datePart) != 8 {
		return timeValue{}, errTimeSyntax
	}
	y, ok1 := digits(datePart[0:4])
	mo, ok2 := digits(datePart[4:6])
	d, ok3 := digits(datePart[6:8])
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return timeValue{}, errTimeSyntax
	}
	if !hasTime {
		v.utc = false // "20131210Z" is seen for a date
		v.date = true
		v.local = localSeconds(y, mo, d, 0, 0, 0)
		return v, nil
	}
	var h, mi, sec int64
	var ok bool
	switch len(timePart) {
	case 6:
		h, ok1 = digits(timePart[0:2])
		mi, ok2 = digits(timePart[2:4])
		sec, ok3 = digits(timePart[4:6])
		ok = ok1 && ok2 && ok3
	case 4:
		h, ok1 = digits(timePart[0:2])
		mi, ok2 = digits(timePart[2:4])
		ok = ok1 && ok2
	}
	if !ok || h > 23 || mi > 59 || sec > 60 {
		return timeValue{}, errTimeSyntax
	}
	sec = min(sec, 59) // a leap second is taken as the second before it
	v.local = localSeconds(y, mo, d, h, mi, sec)
	if !v.utc {
		v.tzid = tzid
	}
	return v, nil
}

// digits parses a run of ASCII digits.
func digits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// duration is an iCalendar DURATION: days and weeks are nominal (they
// keep the wall-clock time across a DST change), hours, minutes and
// seconds exact.
type duration struct {
	days int64
	secs int64
}

// Bounds on a duration's parts, far beyond any meeting, so that adding
// one never overflows.
const (
	maxDurationDays = 3_660_000
	maxDurationSecs = maxDurationDays * secondsPerDay
)

// parseDuration reads a DURATION such as P1D, PT1H30M, -PT15M or P2W.
func parseDuration(s string) (duration, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := fmt.Errorf("%q is not a duration", clip(s))
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return duration{}, bad
	}
	s = s[1:]
	var d duration
	inTime := false
	for s != "" {
		if s[0] == 'T' {
			inTime, s = true, s[1:]
			continue
		}
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 || i == len(s) {
			return duration{}, bad
		}
		n, _ := digits(s[:i])
		unit := s[i]
		s = s[i+1:]
		switch {
		case !inTime && unit == 'W':
			d.days += 7 * n
		case !inTime && unit == 'D':
			d.days += n
		case inTime && unit == 'H':
			d.secs += 3600 * n
		case inTime && unit == 'M':
			d.secs += 60 * n
		case inTime && unit == 'S':
			d.secs += n
		default:
			return duration{}, bad
		}
		if d.days > maxDurationDays || d.secs > maxDurationSecs {
			return duration{}, fmt.Errorf("duration %q is too long", clip(s))
		}
	}
	if neg {
		d.days, d.secs = -d.days, -d.secs
	}
	return d, nil
}

// parseOffset reads a UTC offset (+0100, -0230, +013045, also +01:00) in
// seconds east of UTC.
func parseOffset(s string) (int, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ":", "")
	bad := fmt.Errorf("%q is not a UTC offset", clip(s))
	if len(s) != 5 && len(s) != 7 || s[0] != '+' && s[0] != '-' {
		return 0, bad
	}
	h, ok1 := digits(s[1:3])
	m, ok2 := digits(s[3:5])
	sec, ok3 := int64(0), true
	if len(s) == 7 {
		sec, ok3 = digits(s[5:7])
	}
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 59 {
		return 0, bad
	}
	off := int(h*3600 + m*60 + sec)
	if s[0] == '-' {
		off = -off
	}
	return off, nil
}
