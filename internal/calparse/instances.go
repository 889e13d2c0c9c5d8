package calparse

import (
	"cmp"
	"maps"
	"slices"
	"strings"
)

// instances returns the instances of series s that start in the window,
// in order, without those excluded: DTSTART, each RRULE's, each RDATE,
// less EXDATE and EXRULE.
func (b *builder) instances(s *series) []instance {
	ev := s.ev
	// Rules run on the wall clock; any instant of the window lies within
	// two days of its wall-clock time, whatever the zone.
	llo, lhi := clampLocal(b.lo-2*secondsPerDay), clampLocal(b.hi+2*secondsPerDay)
	for _, raw := range ev.exrules {
		b.runRule(s, "EXRULE", raw, llo, lhi, 0, func(key, _ int64) bool {
			s.exKeys[key] = true
			return true
		})
	}
	var out []instance
	add := func(in instance) {
		if in.key >= b.lo && in.key < b.hi && !s.excluded(in.key) {
			out = append(out, in)
		}
	}
	add(instance{key: s.startUTC, local: s.startLocal})
	for i, raw := range ev.rrules {
		if i > 0 && slices.Contains(ev.rrules[:i], raw) {
			continue
		}
		b.runRule(s, "RRULE", raw, llo, lhi, len(out), func(key, local int64) bool {
			add(instance{key: key, local: local})
			return true
		})
	}
	for _, rd := range ev.rdates {
		in := instance{key: b.key(s, rd.timeValue)}
		in.local = toLocal(in.key, s.z)
		switch {
		case rd.end != nil:
			in.hasEnd = true
			in.end = b.key(s, *rd.end)
		case rd.dur != nil:
			in.hasEnd = true
			in.end = endOf(span{nominal: rd.dur.days * secondsPerDay, exact: rd.dur.secs}, in.local, s.z)
		}
		if in.hasEnd && in.end < in.key {
			in.hasEnd = false
		}
		add(in)
	}
	slices.SortStableFunc(out, func(a, c instance) int { return cmp.Compare(a.key, c.key) })
	return slices.CompactFunc(out, func(a, c instance) bool { return a.key == c.key })
}

// runRule expands one RRULE or EXRULE of series s over the wall-clock
// span [llo, lhi], calling yield with each instance's key and wall-clock
// time, within the bounds on work and on instances (of which the event
// already has have).
func (b *builder) runRule(s *series, what, raw string, llo, lhi int64, have int, yield func(key, local int64) bool) {
	if strings.TrimSpace(raw) == "" {
		return // an empty RRULE, as some producers write, means none
	}
	r, err := parseRRule(raw)
	if err != nil {
		b.p.add("%s: %s %s: %v; ignored", s.ev.who(), what, quote(raw), err)
		return
	}
	work := &budget{left: min(b.work.left, eventWork)}
	e, err := newExpander(r, s.startLocal, s.allDay, work)
	if err != nil {
		b.p.add("%s: %s %s: %v; ignored", s.ev.who(), what, quote(raw), err)
		return
	}
	e.lo, e.hi = llo, lhi
	e.pastUntil = b.untilFunc(s, r.until)
	limit := maxPerEvent
	if r.freq.subDaily() {
		limit = maxSubDaily
	}
	n := have
	e.run(func(local int64) bool {
		key := toUTC(local, s.z)
		if key < b.lo || key >= b.hi {
			return true
		}
		if n++; n > limit {
			end := ""
			if r.count == 0 && r.until == nil {
				end = " without end"
			}
			b.p.add("%s: %s FREQ=%s%s capped at %d occurrences", s.ev.who(), what, r.freq, end, limit)
			return false
		}
		return yield(key, local)
	})
	feedShort := b.work.left < eventWork
	b.work.left -= min(b.work.left, eventWork) - work.left
	switch {
	case e.exhausted && feedShort:
		b.p.add("%s: the input needs too much work to expand; its rules from here on are cut short", s.ev.who())
	case e.exhausted:
		b.p.add("%s: %s %s needs too much work to expand; stopped at %d occurrences", s.ev.who(), what, quote(raw), n-have)
	}
}

// untilFunc returns the test for instances after an UNTIL, on the
// series' wall clock. An UNTIL date includes its whole day. For an
// all-day series, a UTC UNTIL stands for its nearest midnight, as keys
// do.
func (b *builder) untilFunc(s *series, until *timeValue) func(int64) bool {
	if until == nil {
		return nil
	}
	u := *until
	switch {
	case s.allDay && u.utc:
		k := floorDiv(u.local+secondsPerDay/2, secondsPerDay) * secondsPerDay
		return func(l int64) bool { return l > k }
	case s.allDay:
		k := floorDiv(u.local, secondsPerDay) * secondsPerDay
		return func(l int64) bool { return l > k }
	case u.date:
		k := u.local + secondsPerDay
		return func(l int64) bool { return l >= k }
	case u.utc:
		return func(l int64) bool { return toUTC(l, s.z) > u.local }
	}
	return func(l int64) bool { return l > u.local }
}

// emit makes the occurrences of one UID: the master's instances in the
// window that no override replaces, then the overrides that start in the
// window. s is nil when the input has overrides but no master. An
// override whose RECURRENCE-ID is not an instance of the series still
// comes out (the organizer sent it), unless EXDATE excludes that instant.
func (b *builder) emit(s *series, insts []instance, overrides []*event) {
	byKey := map[int64]*event{}
	for _, o := range overrides {
		key := b.overrideKey(s, o)
		if o.thisAndFuture {
			b.p.add("%s: RECURRENCE-ID;RANGE=THISANDFUTURE at %s read as a change of that occurrence only", o.who(), formatLocal(o.recurID.local))
		}
		if cur := byKey[key]; cur == nil || newer(o, cur) {
			byKey[key] = o
		}
	}
	if s != nil {
		for _, in := range insts {
			if byKey[in.key] != nil {
				continue
			}
			end := in.end
			if !in.hasEnd {
				end = endOf(s.span, in.local, s.z)
			}
			b.occurrence(s, s.ev, in.key, in.key, end, s.allDay, s.cancelled)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		o := byKey[key]
		if s != nil && s.excluded(key) {
			continue // the instance was deleted after it was changed
		}
		b.override(s, o, key)
	}
}

// overrideKey returns the instance an override replaces.
func (b *builder) overrideKey(s *series, o *event) int64 {
	if s != nil {
		return b.key(s, *o.recurID)
	}
	rid := *o.recurID
	if rid.date {
		return rid.local
	}
	return toUTC(rid.local, b.zs.zoneOf(rid, o))
}

// override makes the occurrence of an override, if it starts in the
// window: its own start, end, summary, status and attendees, the
// master's for what it leaves out.
func (b *builder) override(s *series, o *event, key int64) {
	z := b.zs.zoneOf(o.start, o)
	if s != nil && o.start.floating() {
		z = s.z
	}
	start := toUTC(o.start.local, z)
	if o.noStart {
		start = key
	}
	var sp span
	switch {
	case o.end != nil || o.dur != nil || s == nil:
		sp = b.spanOf(o, z)
	default:
		sp = s.span
	}
	end := endOf(sp, toLocal(start, z), z)
	if start < b.lo || start >= b.hi {
		return
	}
	allDay := o.start.date
	if o.noStart && s != nil {
		allDay = s.allDay
	}
	cancelled := b.cancelled(o) || o.status == "" && s != nil && s.cancelled
	b.occurrence(s, o, key, start, end, allDay, cancelled)
}
