package calparse

import (
	"errors"
	"slices"
)

// budget is the work expansions may still do, in units of one period, day
// or candidate looked at. One budget is shared by all expansions of a
// Parse call, so that no feed, however hostile, takes unbounded time.
type budget struct{ left int64 }

func (b *budget) spend(n int64) bool {
	b.left -= n
	return b.left >= 0
}

// expander walks the instances of one recurrence rule on the wall clock,
// RFC 5545 section 3.3.10: for each period (year, month, week, day, hour,
// minute or second, every INTERVAL periods from DTSTART's), the days that
// pass the BYxxx parts (BYMONTH, BYWEEKNO, BYYEARDAY, BYMONTHDAY, BYDAY,
// with the defaults DTSTART gives), times those days (BYHOUR, BYMINUTE,
// BYSECOND or DTSTART's time), then BYSETPOS within the period, then
// COUNT and UNTIL. Everything is in local seconds, so a weekly 09:00
// meeting stays at 09:00 across DST; the caller turns instants into UTC.
type expander struct {
	r      *rrule
	start  int64 // DTSTART, local seconds
	allDay bool
	// Only instances in [lo, hi] are yielded. Without COUNT the walk
	// starts at the period of lo, however long ago DTSTART is.
	lo, hi int64
	// pastUntil reports whether an instance is after UNTIL; nil if none.
	pastUntil func(local int64) bool
	work      *budget
	// exhausted is set when the walk stopped because work ran out.
	exhausted bool

	times      []int64 // seconds of the day of each instance (day and longer periods)
	mins, secs []int64 // minutes and seconds of sub-daily instances
	weekOffset int64   // week p starts on day p*7 + weekOffset (a WKST day)
	ordInMonth bool    // BYDAY ordinals count within the month, not the year

	monthOK                                 [13]bool
	filterMonthDay, filterYearDay, filterWD bool
	filterWeekNo, hasOrdinal                bool
	mdayPos, mdayNeg                        [32]bool
	ydayPos, ydayNeg                        [367]bool
	wnoPos, wnoNeg                          [54]bool
	wdAny                                   [7]bool
	wdPos, wdNeg                            [7][54]bool
	hourOK                                  [24]bool
	minOK, secOK                            [60]bool

	cands, picked []int64
	positions     []int
}

var errSubDailyAllDay = errors.New("an hourly, minutely or secondly rule cannot repeat an all-day event")

// newExpander prepares r for an event starting at start (local seconds).
func newExpander(r *rrule, start int64, allDay bool, work *budget) (*expander, error) {
	if allDay && r.freq.subDaily() {
		return nil, errSubDailyAllDay
	}
	e := &expander{r: r, start: start, allDay: allDay, work: work}
	day, sec := splitLocal(start)
	_, m, d := civilFromDays(day)
	h, mi, s := sec/3600, sec/60%60, sec%60

	byMonth, byMonthDay, byDay := r.byMonth, r.byMonthDay, r.byDay
	if r.byWeekNo == nil && r.byYearDay == nil && r.byMonthDay == nil && r.byDay == nil {
		switch r.freq {
		case yearly:
			if byMonth == nil {
				byMonth = []int{int(m)}
			}
			byMonthDay = []int{int(d)}
		case monthly:
			byMonthDay = []int{int(d)}
		case weekly:
			byDay = []weekdayNum{{wd: weekday(day)}}
		}
	}
	for i := range e.monthOK {
		e.monthOK[i] = byMonth == nil
	}
	for _, v := range byMonth {
		e.monthOK[v] = true
	}
	e.filterMonthDay = byMonthDay != nil
	for _, v := range byMonthDay {
		if v > 0 {
			e.mdayPos[v] = true
		} else {
			e.mdayNeg[-v] = true
		}
	}
	e.filterYearDay = r.byYearDay != nil
	for _, v := range r.byYearDay {
		if v > 0 {
			e.ydayPos[v] = true
		} else {
			e.ydayNeg[-v] = true
		}
	}
	e.filterWeekNo = r.freq == yearly && r.byWeekNo != nil
	for _, v := range r.byWeekNo {
		if v > 0 {
			e.wnoPos[v] = true
		} else {
			e.wnoNeg[-v] = true
		}
	}
	// Ordinals mean something only for MONTHLY and YEARLY (not with
	// BYWEEKNO); elsewhere 2TU is read as any Tuesday.
	ordinals := (r.freq == monthly || r.freq == yearly) && !e.filterWeekNo
	e.ordInMonth = r.freq == monthly || r.freq == yearly && r.byMonth != nil
	e.filterWD = byDay != nil
	for _, w := range byDay {
		switch {
		case w.n == 0 || !ordinals:
			e.wdAny[w.wd] = true
		case w.n > 0:
			e.wdPos[w.wd][w.n] = true
			e.hasOrdinal = true
		default:
			e.wdNeg[w.wd][-w.n] = true
			e.hasOrdinal = true
		}
	}
	e.weekOffset = floorMod(int64(r.wkst)-4, 7) // day 0 is a Thursday

	or := func(list []int, def int64) []int64 {
		if list == nil {
			return []int64{def}
		}
		out := make([]int64, len(list))
		for i, v := range list {
			out[i] = int64(v)
		}
		return out
	}
	mask := func(ok []bool, list []int) {
		for i := range ok {
			ok[i] = list == nil
		}
		for _, v := range list {
			ok[v] = true
		}
	}
	mask(e.hourOK[:], r.byHour)
	mask(e.minOK[:], r.byMinute)
	mask(e.secOK[:], r.bySecond)
	switch {
	case allDay:
		e.times = []int64{0}
	case !r.freq.subDaily():
		for _, hh := range or(r.byHour, h) {
			for _, mm := range or(r.byMinute, mi) {
				for _, ss := range or(r.bySecond, s) {
					e.times = append(e.times, hh*3600+mm*60+ss)
				}
			}
		}
	default:
		e.mins = or(r.byMinute, mi)
		e.secs = or(r.bySecond, s)
	}
	return e, nil
}

// simple reports whether every period holds exactly one instance, the
// one in step with DTSTART, so that a COUNT rule can skip periods by
// arithmetic.
func (e *expander) simple() bool {
	r := e.r
	return r.freq >= weekly && r.byMonth == nil && r.byWeekNo == nil && r.byYearDay == nil &&
		r.byMonthDay == nil && r.byDay == nil && r.byHour == nil && r.byMinute == nil &&
		r.bySecond == nil && r.bySetPos == nil
}

// run yields the rule's instances after DTSTART that fall in [lo, hi],
// in order, until yield returns false. DTSTART itself is the caller's:
// it is always the first instance and counts towards COUNT.
func (e *expander) run(yield func(local int64) bool) {
	r := e.r
	p0 := e.periodOf(e.start)
	p, counted := p0, int64(1)
	if r.count == 0 || e.simple() {
		if pl := e.periodOf(e.lo); pl > p0 {
			k := max((pl-p0)/r.interval-1, 0)
			p, counted = p0+k*r.interval, max(k, 1)
		}
	}
	for {
		if !e.work.spend(1) {
			e.exhausted = true
			return
		}
		ps := e.periodStart(p)
		if ps > e.hi || ps > maxLocal || e.pastUntil != nil && ps > e.start && e.pastUntil(ps) {
			return
		}
		e.cands = e.cands[:0]
		skipTo := e.candidates(p)
		if !e.work.spend(int64(len(e.cands))) {
			e.exhausted = true
			return
		}
		cands := e.cands
		if r.bySetPos != nil {
			cands = e.setPos(cands)
		}
		for _, c := range cands {
			if c <= e.start {
				continue
			}
			if e.pastUntil != nil && e.pastUntil(c) {
				return
			}
			if r.count > 0 {
				if counted >= r.count {
					return
				}
				counted++
			}
			if c > e.hi {
				return
			}
			if c >= e.lo && !yield(c) {
				return
			}
		}
		next := p + r.interval
		if skipTo > 0 {
			if t := e.periodOf(skipTo); t > next {
				next = p + (t-p+r.interval-1)/r.interval*r.interval
			}
		}
		p = next
	}
}

// periodOf returns the index of the period holding local time l.
func (e *expander) periodOf(l int64) int64 {
	day, _ := splitLocal(l)
	switch e.r.freq {
	case yearly:
		y, _, _ := civilFromDays(day)
		return y
	case monthly:
		y, m, _ := civilFromDays(day)
		return y*12 + m - 1
	case weekly:
		return floorDiv(day-e.weekOffset, 7)
	case daily:
		return day
	case hourly:
		return floorDiv(l, 3600)
	case minutely:
		return floorDiv(l, 60)
	}
	return l
}

// periodStart returns the first local second period p can hold.
func (e *expander) periodStart(p int64) int64 {
	switch e.r.freq {
	case yearly:
		if e.filterWeekNo {
			return week1(p, e.r.wkst) * secondsPerDay
		}
		return daysFromCivil(p, 1, 1) * secondsPerDay
	case monthly:
		return daysFromCivil(floorDiv(p, 12), floorMod(p, 12)+1, 1) * secondsPerDay
	case weekly:
		return (p*7 + e.weekOffset) * secondsPerDay
	case daily:
		return p * secondsPerDay
	case hourly:
		return p * 3600
	case minutely:
		return p * 60
	}
	return p
}

// week1 returns the first day of week 1 of year y: the first week, begun
// on a wkst day, with at least four days in y (RFC 5545, BYWEEKNO).
func week1(y int64, wkst int) int64 {
	jan1 := daysFromCivil(y, 1, 1)
	off := int64((weekday(jan1) - wkst + 7) % 7)
	if 7-off >= 4 {
		return jan1 - off
	}
	return jan1 - off + 7
}

// candidates appends the instances of period p to e.cands, in order. For
// a sub-daily period that a day, hour or minute filter rules out, it
// returns the local time of the next period worth looking at, so that a
// SECONDLY rule limited to Mondays does not walk every second of Tuesday.
func (e *expander) candidates(p int64) (skipTo int64) {
	var scanned int64
	switch e.r.freq {
	case yearly:
		if e.filterWeekNo {
			w1, w2 := week1(p, e.r.wkst), week1(p+1, e.r.wkst)
			total := (w2 - w1) / 7
			for dn := w1; dn < w2; dn++ {
				scanned++
				wn := (dn-w1)/7 + 1
				if !e.wnoPos[wn] && !e.wnoNeg[total-wn+1] {
					continue
				}
				y, m, d := civilFromDays(dn)
				e.addDay(dn, y, m, d)
			}
			break
		}
		for m := int64(1); m <= 12; m++ {
			if !e.monthOK[m] {
				continue
			}
			first := daysFromCivil(p, m, 1)
			for d := int64(1); d <= daysIn(p, m); d++ {
				scanned++
				e.addDay(first+d-1, p, m, d)
			}
		}
	case monthly:
		y, m := floorDiv(p, 12), floorMod(p, 12)+1
		if e.monthOK[m] {
			first := daysFromCivil(y, m, 1)
			for d := int64(1); d <= daysIn(y, m); d++ {
				scanned++
				e.addDay(first+d-1, y, m, d)
			}
		}
	case weekly:
		for dn := p*7 + e.weekOffset; dn < (p+1)*7+e.weekOffset; dn++ {
			scanned++
			y, m, d := civilFromDays(dn)
			e.addDay(dn, y, m, d)
		}
	case daily:
		y, m, d := civilFromDays(p)
		e.addDay(p, y, m, d)
	default:
		return e.subDaily(p)
	}
	e.work.spend(scanned)
	return 0
}

// addDay appends the instances of day dn (y-m-d) when it passes the day
// filters.
func (e *expander) addDay(dn, y, m, d int64) {
	if !e.dayOK(dn, y, m, d) {
		return
	}
	for _, t := range e.times {
		e.cands = append(e.cands, dn*secondsPerDay+t)
	}
}

// dayOK applies BYMONTH, BYMONTHDAY, BYYEARDAY and BYDAY to a day.
func (e *expander) dayOK(dn, y, m, d int64) bool {
	if !e.monthOK[m] {
		return false
	}
	dim := daysIn(y, m)
	if e.filterMonthDay && !e.mdayPos[d] && !e.mdayNeg[dim-d+1] {
		return false
	}
	var yday, diy int64
	if e.filterYearDay || e.hasOrdinal && !e.ordInMonth {
		yday, diy = dn-daysFromCivil(y, 1, 1)+1, daysInYear(y)
	}
	if e.filterYearDay && !e.ydayPos[yday] && !e.ydayNeg[diy-yday+1] {
		return false
	}
	if !e.filterWD {
		return true
	}
	wd := weekday(dn)
	switch {
	case e.wdAny[wd]:
		return true
	case !e.hasOrdinal:
		return false
	case e.ordInMonth:
		return e.wdPos[wd][(d-1)/7+1] || e.wdNeg[wd][(dim-d)/7+1]
	}
	return e.wdPos[wd][(yday-1)/7+1] || e.wdNeg[wd][(diy-yday)/7+1]
}

// subDaily fills the instances of an HOURLY, MINUTELY or SECONDLY period.
func (e *expander) subDaily(p int64) (skipTo int64) {
	l0 := e.periodStart(p)
	dn, sec := splitLocal(l0)
	h, mi, s := sec/3600, sec/60%60, sec%60
	y, m, d := civilFromDays(dn)
	switch {
	case !e.dayOK(dn, y, m, d):
		return (dn + 1) * secondsPerDay
	case !e.hourOK[h]:
		return dn*secondsPerDay + (h+1)*3600
	case e.r.freq >= minutely && !e.minOK[mi]:
		return dn*secondsPerDay + h*3600 + (mi+1)*60
	case e.r.freq == secondly && !e.secOK[s]:
		return 0
	}
	switch e.r.freq {
	case hourly:
		for _, mm := range e.mins {
			for _, ss := range e.secs {
				e.cands = append(e.cands, l0+mm*60+ss)
			}
		}
	case minutely:
		for _, ss := range e.secs {
			e.cands = append(e.cands, l0+ss)
		}
	default:
		e.cands = append(e.cands, l0)
	}
	return 0
}

// setPos keeps the BYSETPOS-th instances of a period (1 the first, -1
// the last), in order.
func (e *expander) setPos(cands []int64) []int64 {
	n := len(cands)
	e.positions = e.positions[:0]
	for _, pos := range e.r.bySetPos {
		i := pos - 1
		if pos < 0 {
			i = n + pos
		}
		if i >= 0 && i < n {
			e.positions = append(e.positions, i)
		}
	}
	slices.Sort(e.positions)
	e.positions = slices.Compact(e.positions)
	e.picked = e.picked[:0]
	for _, i := range e.positions {
		e.picked = append(e.picked, cands[i])
	}
	return e.picked
}
