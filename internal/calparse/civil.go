package calparse

// Civil (wall-clock) time arithmetic. Recurrence rules are expanded on the
// wall clock of the event's zone, so the expansion works on "local
// seconds": the seconds since 1970-01-01T00:00:00 of a clock that has no
// zone. A zone turns local seconds into a UTC instant (see zone.go). Days
// are proleptic Gregorian, counted from 1970-01-01 (day 0, a Thursday).

const secondsPerDay = 86400

// daysFromCivil returns the day number of y-m-d (m 1..12, d 1..31).
// Howard Hinnant's algorithm; exact for every year an int64 can hold here.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// weekday returns the day of the week of day number z, 0 = Sunday.
func weekday(z int64) int {
	return int(floorMod(z+4, 7))
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// daysIn returns the number of days of month m of year y.
func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func daysInYear(y int64) int64 {
	if isLeap(y) {
		return 366
	}
	return 365
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// localSeconds joins a civil date and time of day into local seconds.
func localSeconds(y, mo, d, h, mi, s int64) int64 {
	return daysFromCivil(y, mo, d)*secondsPerDay + h*3600 + mi*60 + s
}

// splitLocal returns the day number and second of the day of local
// seconds.
func splitLocal(l int64) (day, sec int64) {
	day = floorDiv(l, secondsPerDay)
	return day, l - day*secondsPerDay
}

// Local seconds outside years 0..9999 are never produced from input (a
// date has four digits), but the window and durations can reach beyond;
// these bounds keep every computation far from int64 overflow.
var (
	minLocal = localSeconds(-1, 1, 1, 0, 0, 0)
	maxLocal = localSeconds(10001, 1, 1, 0, 0, 0)
)

func clampLocal(l int64) int64 { return min(max(l, minLocal), maxLocal) }
