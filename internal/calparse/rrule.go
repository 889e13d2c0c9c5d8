package calparse

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// freq is an RRULE FREQ, from the longest period to the shortest.
type freq int

const (
	yearly freq = iota
	monthly
	weekly
	daily
	hourly
	minutely
	secondly
)

var freqList = [...]string{"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"}

var freqNames = map[string]freq{}

func init() {
	for i, name := range freqList {
		freqNames[name] = freq(i)
	}
}

func (f freq) String() string { return freqList[f] }

// subDaily reports whether the period is shorter than a day.
func (f freq) subDaily() bool { return f > daily }

var weekdayNames = map[string]int{"SU": 0, "MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6}

// weekdayNum is a BYDAY entry: a weekday (0 = Sunday) and an optional
// ordinal (2TU is the second Tuesday, -1FR the last Friday, 0 any).
type weekdayNum struct{ n, wd int }

// rrule is a parsed RRULE (or EXRULE, or a VTIMEZONE observance's rule).
type rrule struct {
	freq     freq
	interval int64
	// count is COUNT, 0 when absent.
	count int64
	// until is UNTIL, nil when absent.
	until *timeValue
	// The BYxxx lists, sorted and without duplicates; nil when absent.
	byMonth, byWeekNo, byYearDay, byMonthDay []int
	byHour, byMinute, bySecond, bySetPos     []int
	byDay                                    []weekdayNum
	// wkst is the first day of the week, 0 = Sunday (default Monday).
	wkst int
}

// Bounds on what a rule may ask for; beyond them it is refused with a
// problem rather than expanded.
const (
	maxInterval = 1_000_000
	maxCount    = 1_000_000_000
	// maxTimesPerDay bounds BYHOUR × BYMINUTE × BYSECOND.
	maxTimesPerDay = 1440
)

// parseRRule reads the value of an RRULE such as
// "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20241231T235959Z". Unknown parts are
// ignored; a part with a bad value refuses the whole rule, since
// expanding half of it would invent occurrences.
func parseRRule(s string) (*rrule, error) {
	r := &rrule{interval: 1, wkst: 1}
	hasFreq := false
	for part := range strings.SplitSeq(s, ";") {
		name, value, ok := strings.Cut(part, "=")
		name = strings.ToUpper(strings.TrimSpace(name))
		value = strings.ToUpper(strings.TrimSpace(value))
		if !ok || name == "" {
			continue
		}
		var err error
		switch name {
		case "FREQ":
			f, known := freqNames[value]
			if !known {
				return nil, fmt.Errorf("unknown FREQ %q", clip(value))
			}
			r.freq, hasFreq = f, true
		case "INTERVAL":
			r.interval, err = boundedInt(value, 1, maxInterval)
		case "COUNT":
			r.count, err = boundedInt(value, 1, maxCount)
		case "UNTIL":
			var v timeValue
			v, err = parseTime(value, "")
			r.until = &v
		case "BYMONTH":
			r.byMonth, err = intList(value, 1, 12, false)
		case "BYWEEKNO":
			r.byWeekNo, err = intList(value, 1, 53, true)
		case "BYYEARDAY":
			r.byYearDay, err = intList(value, 1, 366, true)
		case "BYMONTHDAY":
			r.byMonthDay, err = intList(value, 1, 31, true)
		case "BYHOUR":
			r.byHour, err = intList(value, 0, 23, false)
		case "BYMINUTE":
			r.byMinute, err = intList(value, 0, 59, false)
		case "BYSECOND":
			r.bySecond, err = intList(value, 0, 60, false)
		case "BYSETPOS":
			r.bySetPos, err = intList(value, 1, 366, true)
		case "BYDAY":
			r.byDay, err = dayList(value)
		case "WKST":
			wd, known := weekdayNames[value]
			if !known {
				err = fmt.Errorf("%q is not a weekday", clip(value))
			}
			r.wkst = wd
		case "RSCALE":
			if value != "GREGORIAN" {
				return nil, fmt.Errorf("calendar scale RSCALE=%s is not supported", clip(value))
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if !hasFreq {
		return nil, fmt.Errorf("no FREQ")
	}
	if slices.Contains(r.bySecond, 60) {
		// A leap second never occurs on the wall clock used here.
		r.bySecond = slices.DeleteFunc(r.bySecond, func(s int) bool { return s == 60 })
		if len(r.bySecond) == 0 {
			return nil, fmt.Errorf("BYSECOND=60 never occurs")
		}
	}
	if n := max(len(r.byHour), 1) * max(len(r.byMinute), 1) * max(len(r.bySecond), 1); n > maxTimesPerDay {
		return nil, fmt.Errorf("BYHOUR, BYMINUTE and BYSECOND make %d times a day, more than %d", n, maxTimesPerDay)
	}
	return r, nil
}

func boundedInt(s string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, 64)
	if err != nil || n < lo {
		return 0, fmt.Errorf("%q is not a number from %d", clip(s), lo)
	}
	return min(n, hi), nil
}

// intList reads a comma list of integers in lo..hi, or -hi..-lo when
// negative values are allowed; sorted, without duplicates.
func intList(s string, lo, hi int, negative bool) ([]int, error) {
	var out []int
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		n, err := strconv.Atoi(strings.TrimPrefix(item, "+"))
		ok := err == nil && (n >= lo && n <= hi || negative && n <= -lo && n >= -hi)
		if !ok {
			return nil, fmt.Errorf("%q is not in %d..%d", clip(item), lo, hi)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// dayList reads a BYDAY list such as "MO,WE,FR" or "2TU,-1FR".
func dayList(s string) ([]weekdayNum, error) {
	var out []weekdayNum
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if len(item) < 2 {
			return nil, fmt.Errorf("%q is not a weekday", clip(item))
		}
		wd, known := weekdayNames[item[len(item)-2:]]
		if !known {
			return nil, fmt.Errorf("%q is not a weekday", clip(item))
		}
		n := 0
		if num := item[:len(item)-2]; num != "" {
			var err error
			n, err = strconv.Atoi(strings.TrimPrefix(num, "+"))
			if err != nil || n == 0 || n > 53 || n < -53 {
				return nil, fmt.Errorf("%q has a bad ordinal", clip(item))
			}
		}
		out = append(out, weekdayNum{n: n, wd: wd})
	}
	slices.SortFunc(out, func(a, b weekdayNum) int {
		if a.wd != b.wd {
			return a.wd - b.wd
		}
		return a.n - b.n
	})
	return slices.Compact(out), nil
}
