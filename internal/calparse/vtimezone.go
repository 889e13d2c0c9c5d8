package calparse

import (
	"errors"
	"fmt"
	"slices"
	"sort"
)

// vtimezone is a VTIMEZONE as read from the input.
type vtimezone struct {
	tzid string
	line int
	obs  []observance
}

// observance is a STANDARD or DAYLIGHT part of a VTIMEZONE: from its
// onsets (DTSTART, then RRULE and RDATE, all on the wall clock of the
// offset before), the offset is TZOFFSETTO.
type observance struct {
	start    int64 // local seconds, in the TZOFFSETFROM clock
	from, to int   // offsets, seconds east of UTC
	rrules   []string
	rdates   []timeValue
}

// Bounds on a VTIMEZONE: its observances, and the onsets taken from
// each. Transitions are computed for the years ruleFrom..ruleTo, which
// covers any calendar in use; outside them the nearest offset holds.
const (
	maxObservances = 100
	maxOnsets      = 1000
	ruleFromYear   = 1899
	ruleToYear     = 2100
)

// vtzZone is a zone built from a VTIMEZONE: its transitions in UTC, and
// the offset in force before the first one.
type vtzZone struct {
	at      []int64 // UTC instants of the transitions, ascending
	off     []int   // offset from each transition on
	initial int
}

func (z *vtzZone) offset(unix int64) int {
	i := sort.Search(len(z.at), func(i int) bool { return z.at[i] > unix })
	if i == 0 {
		return z.initial
	}
	return z.off[i-1]
}

// buildZone computes the transitions of a VTIMEZONE, expanding each
// observance's rules with the same engine as events.
func buildZone(def *vtimezone, work *budget) (zone, error) {
	type transition struct {
		at        int64
		off, from int
	}
	var trans []transition
	lo := localSeconds(ruleFromYear, 1, 1, 0, 0, 0)
	hi := localSeconds(ruleToYear+1, 1, 1, 0, 0, 0)
	var errs []error
	for _, ob := range def.obs {
		onsets := []int64{ob.start}
		for _, raw := range ob.rrules {
			r, err := parseRRule(raw)
			if err != nil {
				errs = append(errs, fmt.Errorf("RRULE %s: %w", quote(raw), err))
				continue
			}
			e, err := newExpander(r, ob.start, false, work)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			e.lo, e.hi = lo, hi
			if r.until != nil {
				until, from := *r.until, int64(ob.from)
				e.pastUntil = func(l int64) bool {
					switch {
					case until.utc:
						return l-from > until.local
					case until.date:
						return l >= until.local+secondsPerDay
					}
					return l > until.local
				}
			}
			e.run(func(l int64) bool {
				onsets = append(onsets, l)
				return len(onsets) < maxOnsets
			})
		}
		for _, rd := range ob.rdates {
			if len(onsets) >= maxOnsets {
				break
			}
			if rd.utc {
				onsets = append(onsets, rd.local+int64(ob.from))
			} else {
				onsets = append(onsets, rd.local)
			}
		}
		for _, l := range onsets {
			trans = append(trans, transition{at: l - int64(ob.from), off: ob.to, from: ob.from})
		}
	}
	if len(trans) == 0 {
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		return nil, errors.New("no STANDARD or DAYLIGHT observance")
	}
	slices.SortStableFunc(trans, func(a, b transition) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	// Before the first onset, the clock is its TZOFFSETFROM.
	z := &vtzZone{initial: trans[0].from}
	for _, t := range trans {
		if n := len(z.at); n > 0 && z.at[n-1] == t.at {
			z.off[n-1] = t.off
			continue
		}
		z.at = append(z.at, t.at)
		z.off = append(z.off, t.off)
	}
	if !slices.ContainsFunc(z.off, func(off int) bool { return off != z.initial }) {
		return fixedZone(z.initial), nil
	}
	return z, nil
}
