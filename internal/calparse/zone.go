package calparse

import (
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // IANA zones on systems without a zoneinfo database
)

// zone maps instants to UTC offsets: an IANA location, a fixed offset, or
// a zone built from a VTIMEZONE.
type zone interface {
	// offset returns the UTC offset, in seconds east, at the UTC instant
	// unix.
	offset(unix int64) int
}

// fixedZone is a constant offset in seconds east of UTC; 0 is UTC.
type fixedZone int

func (z fixedZone) offset(int64) int { return int(z) }

// locZone is an IANA zone from the tz database.
type locZone struct{ loc *time.Location }

func (z locZone) offset(unix int64) int {
	_, off := time.Unix(unix, 0).In(z.loc).Zone()
	return off
}

// toUTC turns a wall-clock time of zone z into a UTC instant, as RFC 5545
// section 3.3.5 says: a time that occurs twice (when DST ends) is the
// first of the two; a time that does not occur (when DST starts) is read
// with the offset before the gap, so 02:30 becomes 03:30 summer time.
func toUTC(local int64, z zone) int64 {
	if f, ok := z.(fixedZone); ok {
		return local - int64(f)
	}
	before := int64(z.offset(local - secondsPerDay))
	after := int64(z.offset(local + secondsPerDay))
	if before == after {
		return local - before
	}
	t1, t2 := local-before, local-after
	ok1 := int64(z.offset(t1)) == before
	ok2 := int64(z.offset(t2)) == after
	switch {
	case ok1 && ok2:
		return min(t1, t2)
	case ok2:
		return t2
	}
	return t1
}

// toLocal returns the wall-clock time of zone z at UTC instant utc.
func toLocal(utc int64, z zone) int64 { return utc + int64(z.offset(utc)) }

// zones resolves the TZIDs of one Parse call. A TZID is tried, in order,
// as an IANA name ("Europe/Berlin"), a Windows zone id ("W. Europe
// Standard Time", via CLDR), the VTIMEZONE of that TZID in the input, a
// Windows display name ("(UTC+01:00) Amsterdam, Berlin, ..."), the IANA
// name at the end of a path ("/mozilla.org/20050126_1/Europe/Berlin"), and
// a bare offset ("(GMT+01:00)"). What none of these knows is taken as UTC,
// with a problem.
type zones struct {
	defs     map[string]*vtimezone
	resolved map[string]zone
	built    int
	work     *budget
	p        *problems
}

// Bounds on the zones of one input.
const (
	maxZoneNames  = 200 // distinct TZIDs resolved
	maxBuiltZones = 50  // zones built from VTIMEZONE components
	maxTZIDLen    = 128
)

func newZones(defs []*vtimezone, work *budget, p *problems) *zones {
	zs := &zones{defs: map[string]*vtimezone{}, resolved: map[string]zone{}, work: work, p: p}
	for _, d := range defs {
		if _, dup := zs.defs[d.tzid]; !dup {
			zs.defs[d.tzid] = d
		}
	}
	return zs
}

// zoneOf returns the zone of a time value: UTC for dates, UTC and
// floating times (floating times have no zone; they are taken as UTC),
// the resolved TZID otherwise. who names the event for problems.
func (zs *zones) zoneOf(v timeValue, ev *event) zone {
	if v.date || v.utc || v.tzid == "" {
		return fixedZone(0)
	}
	return zs.lookup(v.tzid, ev)
}

// lookup resolves a TZID; ev, the first event using it, is named in a
// problem.
func (zs *zones) lookup(tzid string, ev *event) zone {
	if z, ok := zs.resolved[tzid]; ok {
		return z
	}
	if len(zs.resolved) >= maxZoneNames {
		zs.p.add("more than %d time zones: %s and later ones taken as UTC", maxZoneNames, quote(tzid))
		return fixedZone(0)
	}
	z := zs.resolve(tzid, ev)
	zs.resolved[tzid] = z
	return z
}

func (zs *zones) resolve(tzid string, ev *event) zone {
	name := cleanTZID(tzid)
	switch strings.ToUpper(name) {
	case "", "UTC", "GMT", "Z", "ETC/UTC", "ETC/GMT":
		return fixedZone(0)
	}
	if loc := loadIANA(name); loc != nil {
		return locZone{loc}
	}
	if iana, ok := windowsZones[name]; ok {
		if loc := loadIANA(iana); loc != nil {
			return locZone{loc}
		}
	}
	if def := zs.defs[name]; def != nil {
		if zs.built >= maxBuiltZones {
			zs.p.add("more than %d VTIMEZONE definitions used: %s taken as UTC", maxBuiltZones, quote(name))
			return fixedZone(0)
		}
		zs.built++
		z, err := buildZone(def, zs.work)
		if err == nil {
			return z
		}
		zs.p.add("VTIMEZONE %s (line %d): %v", quote(name), def.line, err)
	}
	if iana, ok := windowsDisplayZone(name); ok {
		if loc := loadIANA(iana); loc != nil {
			return locZone{loc}
		}
	}
	for rest := name; strings.Contains(rest, "/"); {
		_, rest, _ = strings.Cut(rest, "/")
		if loc := loadIANA(rest); loc != nil {
			return locZone{loc}
		}
	}
	if off, ok := offsetZone(name); ok {
		zs.p.add("time zone %s (%s) is not defined: taken as the fixed offset %s", quote(name), ev.who(), formatOffset(off))
		return fixedZone(off)
	}
	zs.p.add("time zone %s (%s) is unknown: its times are taken as UTC", quote(name), ev.who())
	return fixedZone(0)
}

// cleanTZID trims what producers wrap TZIDs in: white space and quotes.
func cleanTZID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "\"'")
	s = strings.TrimSpace(s)
	if len(s) > maxTZIDLen {
		s = s[:maxTZIDLen]
	}
	return s
}

var (
	ianaMu    sync.Mutex
	ianaCache = map[string]*time.Location{}
)

// loadIANA loads an IANA zone, or returns nil. Only names shaped like tz
// database names are looked up (never "Local", which would make the
// result depend on the machine), and loaded zones are kept for the life
// of the process: time.LoadLocation reads a file each time.
func loadIANA(name string) *time.Location {
	if !ianaShaped(name) {
		return nil
	}
	ianaMu.Lock()
	defer ianaMu.Unlock()
	if loc, ok := ianaCache[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	if len(ianaCache) < 2000 {
		ianaCache[name] = loc
	}
	return loc
}

func ianaShaped(name string) bool {
	if name == "" || len(name) > 64 || name == "Local" || name[0] == '/' || strings.Contains(name, "..") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/_+-", c) >= 0) {
			return false
		}
	}
	return true
}

// offsetZone reads TZIDs that are only an offset: "(GMT+01:00)",
// "GMT +0100", "UTC-5", "(UTC+05:30) Chennai" and the like.
func offsetZone(name string) (int, bool) {
	s := strings.ToUpper(strings.TrimPrefix(name, "("))
	switch {
	case strings.HasPrefix(s, "GMT"), strings.HasPrefix(s, "UTC"):
		s = strings.TrimSpace(s[3:])
	default:
		return 0, false
	}
	if i := strings.IndexAny(s, ") "); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return 0, true
	}
	sign := s[0]
	if sign != '+' && sign != '-' {
		return 0, false
	}
	hh, mm, _ := strings.Cut(s[1:], ":")
	if mm == "" && len(hh) == 4 {
		hh, mm = hh[:2], hh[2:]
	}
	h, ok1 := digits(hh)
	m, ok2 := int64(0), true
	if mm != "" {
		m, ok2 = digits(mm)
	}
	if !ok1 || !ok2 || len(hh) > 2 || h > 14 || m > 59 {
		return 0, false
	}
	off := int(h*3600 + m*60)
	if sign == '-' {
		off = -off
	}
	return off, true
}

func formatOffset(off int) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%c%02d:%02d", sign, off/3600, off/60%60)
}
