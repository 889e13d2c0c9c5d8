package calparse

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Bounds on what one input expands to.
const (
	// maxOccurrences bounds the occurrences of a whole input.
	maxOccurrences = 200_000
	// maxPerEvent bounds the instances one event expands to in the window.
	maxPerEvent = 20_000
	// maxSubDaily bounds those of an HOURLY, MINUTELY or SECONDLY rule.
	maxSubDaily = 1_000
	// feedWork and eventWork bound the expansion work (see budget).
	feedWork  = 50_000_000
	eventWork = 2_000_000
)

// builder turns the events of one input into occurrences.
type builder struct {
	lo, hi  int64 // the window, UTC seconds, [lo, hi)
	zs      *zones
	work    *budget
	p       *problems
	methods []string
	out     []Occurrence
	full    bool
}

// span is how an instance's end follows from its start: nominal seconds
// on the wall clock (days, or DTEND in the same zone), then exact ones.
type span struct{ nominal, exact int64 }

// series is one UID's master event, ready to expand.
type series struct {
	ev         *event
	z          zone
	allDay     bool
	startLocal int64
	startUTC   int64
	span       span
	cancelled  bool
	// excluded instants (EXDATE, EXRULE), and excluded local days (EXDATE
	// dates of a timed series).
	exKeys map[int64]bool
	exDays map[int64]bool
}

// instance is one start of a series, before overrides: its key (the
// original start in UTC), its wall-clock start, and the end an RDATE
// PERIOD gives.
type instance struct {
	key, local int64
	end        int64
	hasEnd     bool
}

func (b *builder) cancelled(ev *event) bool {
	return ev.status == "CANCELLED" || ev.status == "CANCELED" || b.methods[ev.cal] == "CANCEL"
}

// build groups the events by UID and expands each group.
func (b *builder) build(events []*event) {
	type group struct{ masters, overrides []*event }
	groups := map[string]*group{}
	var order []string
	derived := 0
	for _, ev := range events {
		g := groups[ev.uid]
		if g == nil {
			g = &group{}
			groups[ev.uid] = g
			order = append(order, ev.uid)
			if strings.HasPrefix(ev.uid, derivedPrefix) {
				derived++
			}
		}
		if ev.recurID == nil {
			g.masters = append(g.masters, ev)
		} else {
			g.overrides = append(g.overrides, ev)
		}
	}
	if derived > 0 {
		b.p.add("%d events without UID were given one derived from their start and summary", derived)
	}
	for _, uid := range order {
		if b.full {
			return
		}
		g := groups[uid]
		b.safely(g.masters, g.overrides)
	}
}

// safely expands one UID; a bug costs that UID only, with a problem.
func (b *builder) safely(masters, overrides []*event) {
	first := slices.Concat(masters, overrides)[0]
	defer func() {
		if r := recover(); r != nil {
			b.p.add("%s: internal error, skipped: %v", first.who(), r)
		}
	}()
	if b.hi <= b.lo {
		return
	}
	var s *series
	var insts []instance
	if len(masters) > 0 {
		s = b.newSeries(b.pickMaster(masters))
		insts = b.instances(s)
	}
	b.emit(s, insts, overrides)
}

// newer reports whether version a of an event supersedes version b:
// higher SEQUENCE, then later DTSTAMP, then later in the input.
func newer(a, b *event) bool {
	if a.sequence != b.sequence {
		return a.sequence > b.sequence
	}
	if a.stamp != b.stamp {
		return a.stamp > b.stamp
	}
	return a.line > b.line
}

// pickMaster returns the newest version of a series. A cancellation that
// does not repeat the recurrence (a bare METHOD:CANCEL) cancels the
// recurrence of the version it supersedes.
func (b *builder) pickMaster(masters []*event) *event {
	best := masters[0]
	for _, ev := range masters[1:] {
		if newer(ev, best) {
			best = ev
		}
	}
	if !b.cancelled(best) || len(best.rrules) > 0 || len(best.rdates) > 0 {
		return best
	}
	var rich *event
	for _, ev := range masters {
		if ev != best && (len(ev.rrules) > 0 || len(ev.rdates) > 0) && (rich == nil || newer(ev, rich)) {
			rich = ev
		}
	}
	if rich == nil {
		return best
	}
	merged := *rich
	merged.status, merged.sequence, merged.stamp, merged.cal, merged.line = "CANCELLED", best.sequence, best.stamp, best.cal, best.line
	return &merged
}

func (b *builder) newSeries(ev *event) *series {
	s := &series{ev: ev, allDay: ev.start.date, cancelled: b.cancelled(ev)}
	s.z = b.zs.zoneOf(ev.start, ev)
	s.startLocal = ev.start.local
	s.startUTC = toUTC(s.startLocal, s.z)
	s.span = b.spanOf(ev, s.z)
	s.exKeys, s.exDays = map[int64]bool{}, map[int64]bool{}
	for _, v := range ev.exdates {
		if v.date && !s.allDay {
			s.exDays[v.local/secondsPerDay] = true
			continue
		}
		s.exKeys[b.key(s, v)] = true
	}
	return s
}

// spanOf works out how long the instances of ev last.
func (b *builder) spanOf(ev *event, z zone) span {
	var sp span
	switch {
	case ev.end != nil:
		end := *ev.end
		sameClock := end.date == ev.start.date && end.utc == ev.start.utc && end.tzid == ev.start.tzid
		if sameClock || ev.start.date || end.date {
			sp.nominal = end.local - ev.start.local
		} else {
			sp.exact = toUTC(end.local, b.zs.zoneOf(end, ev)) - toUTC(ev.start.local, z)
		}
	case ev.dur != nil:
		sp = span{nominal: ev.dur.days * secondsPerDay, exact: ev.dur.secs}
	case ev.start.date:
		sp.nominal = secondsPerDay
	}
	if start := toUTC(ev.start.local, z); endOf(sp, ev.start.local, z) < start {
		b.p.add("%s: ends before it starts; taken to end when it starts", ev.who())
		return span{}
	}
	return sp
}

func endOf(sp span, local int64, z zone) int64 {
	return toUTC(clampLocal(local+sp.nominal), z) + sp.exact
}

// key returns the instance key (original start in UTC) that a DATE or
// DATE-TIME value from EXDATE, RDATE or RECURRENCE-ID names in series s.
// For an all-day series it is the day: the date as written, or for a UTC
// time the nearest midnight (Outlook writes the local midnight in UTC).
// A floating time is read on the series' clock.
func (b *builder) key(s *series, v timeValue) int64 {
	if s.allDay {
		if v.utc {
			return floorDiv(v.local+secondsPerDay/2, secondsPerDay) * secondsPerDay
		}
		return floorDiv(v.local, secondsPerDay) * secondsPerDay
	}
	switch {
	case v.date:
		_, tod := splitLocal(s.startLocal)
		return toUTC(v.local+tod, s.z)
	case v.utc:
		return v.local
	case v.tzid == "":
		return toUTC(v.local, s.z)
	}
	return toUTC(v.local, b.zs.lookup(v.tzid, s.ev))
}

// excluded reports whether an instance is excluded by EXDATE or EXRULE.
func (s *series) excluded(key int64) bool {
	if s.exKeys[key] {
		return true
	}
	if len(s.exDays) > 0 {
		day, _ := splitLocal(toLocal(key, s.z))
		return s.exDays[day]
	}
	return false
}

// occurrence makes the occurrence of event ev (the master or an
// override) at the given instant.
func (b *builder) occurrence(s *series, ev *event, key, start, end int64, allDay, cancelled bool) {
	if b.full {
		return
	}
	if len(b.out) >= maxOccurrences {
		b.full = true
		b.p.add("%s: more than %d occurrences in the window; this and later events are left out", ev.who(), maxOccurrences)
		return
	}
	o := Occurrence{
		Meeting: model.Meeting{
			UID:       ev.uid,
			Instance:  time.Unix(key, 0).UTC(),
			Start:     time.Unix(start, 0).UTC(),
			End:       time.Unix(end, 0).UTC(),
			AllDay:    allDay,
			Cancelled: cancelled,
			Location:  ev.location,
			Sequence:  ev.sequence,
		},
		Summary:      ev.summary,
		Description:  ev.description,
		Participants: ev.participants,
		Method:       b.methods[ev.cal],
	}
	if s != nil && ev != s.ev {
		o.UID = s.ev.uid
		m := s.ev
		o.Location = cmp.Or(o.Location, m.location)
		o.Summary = cmp.Or(o.Summary, m.summary)
		o.Description = cmp.Or(o.Description, m.description)
		o.Participants = mergeParticipants(ev.participants, m.participants)
	}
	o.Participants = slices.Clip(o.Participants)
	b.out = append(b.out, o)
}

// mergeParticipants returns an override's participants: its organizer
// and attendees, or the master's where it lists none.
func mergeParticipants(override, master []model.Participant) []model.Participant {
	split := func(ps []model.Participant) (org, att []model.Participant) {
		if len(ps) > 0 && ps[0].Role == model.RoleOrganizer {
			return ps[:1], ps[1:]
		}
		return nil, ps
	}
	org, att := split(override)
	morg, matt := split(master)
	if len(org) == 0 {
		org = morg
	}
	if len(att) == 0 {
		att = matt
	}
	out := make([]model.Participant, 0, len(org)+len(att))
	return append(append(out, org...), att...)
}

// sortOccurrences returns out ordered by start, UID, then original
// start. It sorts small keys and moves each occurrence once, rather than
// swapping the large structs.
func sortOccurrences(out []Occurrence) []Occurrence {
	type sortKey struct {
		start, instance int64
		uid             string
		i               int
	}
	keys := make([]sortKey, len(out))
	for i, o := range out {
		keys[i] = sortKey{start: o.Start.Unix(), instance: o.Instance.Unix(), uid: o.UID, i: i}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if c := cmp.Compare(a.start, b.start); c != 0 {
			return c
		}
		if c := cmp.Compare(a.uid, b.uid); c != 0 {
			return c
		}
		return cmp.Compare(a.instance, b.instance)
	})
	sorted := make([]Occurrence, len(out))
	for i, k := range keys {
		sorted[i] = out[k.i]
	}
	return sorted
}

func formatLocal(l int64) string {
	day, sec := splitLocal(l)
	y, m, d := civilFromDays(day)
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, sec/3600, sec/60%60, sec%60)
}
