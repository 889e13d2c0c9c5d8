package calparse

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// The benchmark feed: a team calendar export of about 8 MB, 5,000 events,
// of which 20% recur (a third of those with EXDATEs, a fifth with
// overrides that move or cancel instances), 10% are in Windows-named
// zones and 10% are all-day. It is generated, deterministically, the way
// Google and Outlook write feeds: CRLF, folded lines, VTIMEZONEs for every
// TZID used, long descriptions, attendees.

// feedWindow is the one-year window the benchmark expands in.
var feedWindow = Window{
	Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	End:   time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
}

// tzRule is a zone as a VTIMEZONE writes it: standard and daylight
// offsets, and the onsets of daylight and standard time.
type tzRule struct {
	std, dst       string // "+0100"; dst "" when there is no DST
	dstRule, stdRL string // RRULE parts, e.g. "BYMONTH=3;BYDAY=-1SU"
	dstAt, stdAt   string // wall-clock time of the change, "020000"
}

var feedZones = []struct {
	iana, windows string
	rule          tzRule
}{
	{"Europe/Berlin", "W. Europe Standard Time", tzRule{"+0100", "+0200", "BYMONTH=3;BYDAY=-1SU", "BYMONTH=10;BYDAY=-1SU", "020000", "030000"}},
	{"America/New_York", "Eastern Standard Time", tzRule{"-0500", "-0400", "BYMONTH=3;BYDAY=2SU", "BYMONTH=11;BYDAY=1SU", "020000", "020000"}},
	{"America/Los_Angeles", "Pacific Standard Time", tzRule{"-0800", "-0700", "BYMONTH=3;BYDAY=2SU", "BYMONTH=11;BYDAY=1SU", "020000", "020000"}},
	{"Europe/London", "GMT Standard Time", tzRule{"+0000", "+0100", "BYMONTH=3;BYDAY=-1SU", "BYMONTH=10;BYDAY=-1SU", "010000", "020000"}},
	{"Asia/Tokyo", "Tokyo Standard Time", tzRule{"+0900", "", "", "", "", ""}},
	{"Australia/Sydney", "AUS Eastern Standard Time", tzRule{"+1000", "+1100", "BYMONTH=10;BYDAY=1SU", "BYMONTH=4;BYDAY=1SU", "020000", "030000"}},
}

// vtimezone writes a VTIMEZONE: Outlook style (observances from 1601,
// not in step with their rules) for Windows names, Google style for IANA
// names.
func (r tzRule) vtimezone(tzid string, outlook bool) string {
	var b strings.Builder
	start := func(google string, at string) string {
		if outlook {
			return "16010101T" + at
		}
		return google + "T" + at
	}
	b.WriteString("BEGIN:VTIMEZONE\r\nTZID:" + tzid + "\r\n")
	if r.dst == "" {
		b.WriteString("BEGIN:STANDARD\r\nDTSTART:" + start("19700101", "000000") + "\r\nTZOFFSETFROM:" + r.std +
			"\r\nTZOFFSETTO:" + r.std + "\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")
		return b.String()
	}
	b.WriteString("BEGIN:STANDARD\r\nDTSTART:" + start("19701025", r.stdAt) + "\r\nTZOFFSETFROM:" + r.dst +
		"\r\nTZOFFSETTO:" + r.std + "\r\nRRULE:FREQ=YEARLY;" + r.stdRL + "\r\nEND:STANDARD\r\n")
	b.WriteString("BEGIN:DAYLIGHT\r\nDTSTART:" + start("19700329", r.dstAt) + "\r\nTZOFFSETFROM:" + r.std +
		"\r\nTZOFFSETTO:" + r.dst + "\r\nRRULE:FREQ=YEARLY;" + r.dstRule + "\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n")
	return b.String()
}

var feedWords = strings.Fields(`proposal pricing renewal security review legal redlines procurement
	onboarding kickoff roadmap demo integration SSO rollout pilot success criteria budget approval
	quarterly business review stakeholders champion decision timeline contract signature migration
	support escalation workshop training expansion upsell forecast pipeline discovery negotiation`)

var feedPeople = strings.Fields(`anna.schmidt bob.rep carla.lead dmitri.ivanov emma.wilson farid.haddad
	grace.liu hiro.tanaka ines.garcia jon.berg kate.obrien lars.nilsen maria.rossi noah.kim olga.petrova`)

var feedDomains = strings.Fields(`ourco.example acme.example globex.example initech.example umbrella.example
	hooli.example stark.example wayne.example`)

// feedGen writes the feed.
type feedGen struct {
	rng *rand.Rand
	b   bytes.Buffer
	// excluded records, by UID, the instances EXDATE removes, in UTC as
	// RFC 3339, computed with the time package.
	excluded map[string][]string
}

// genFeed returns the benchmark feed of n events.
func genFeed(n int) []byte {
	data, _ := genFeedExcluded(n)
	return data
}

// genFeedExcluded returns the benchmark feed of n events and, by UID, the
// instants its EXDATEs exclude.
func genFeedExcluded(n int) ([]byte, map[string][]string) {
	g := &feedGen{rng: rand.New(rand.NewPCG(20250101, uint64(n))), excluded: map[string][]string{}}
	g.b.Grow(n * 1700)
	g.b.WriteString("BEGIN:VCALENDAR\r\nPRODID:-//dealtrail//calparse benchmark//EN\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:Sales team\r\n")
	for _, z := range feedZones {
		g.b.WriteString(z.rule.vtimezone(z.iana, false))
		g.b.WriteString(z.rule.vtimezone(z.windows, true))
	}
	for i := range n {
		g.event(i)
	}
	g.b.WriteString("END:VCALENDAR\r\n")
	return g.b.Bytes(), g.excluded
}

// line writes one content line, folded at 75 octets.
func (g *feedGen) line(s string) {
	for len(s) > 75 {
		cut := 75
		for cut > 1 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		g.b.WriteString(s[:cut] + "\r\n ")
		s = s[cut:]
	}
	g.b.WriteString(s + "\r\n")
}

var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)

func escapeText(s string) string { return textEscaper.Replace(s) }

func (g *feedGen) words(n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = feedWords[g.rng.IntN(len(feedWords))]
	}
	return strings.Join(w, " ")
}

// when is how an event's times are written: a TZID, UTC, or dates.
type when struct {
	tzid   string // "" for UTC or all-day
	allDay bool
}

const localLayout = "20060102T150405"

// utc returns the instant of wall-clock time t (a time in UTC used for
// its fields), with the zone the time package knows for the TZID.
func (w when) utc(t time.Time) time.Time {
	if w.allDay || w.tzid == "" {
		return t
	}
	for _, z := range feedZones {
		if w.tzid == z.iana || w.tzid == z.windows {
			loc, err := time.LoadLocation(z.iana)
			if err != nil {
				panic(err)
			}
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc).UTC()
		}
	}
	panic("no zone " + w.tzid)
}

func (w when) prop(name string, t time.Time) string {
	switch {
	case w.allDay:
		return name + ";VALUE=DATE:" + t.Format("20060102")
	case w.tzid == "":
		return name + ":" + t.Format(localLayout) + "Z"
	}
	return name + ";TZID=" + w.tzid + ":" + t.Format(localLayout)
}

// event writes event i: its category follows from i, so the shares are
// exact; the rest is random.
func (g *feedGen) event(i int) {
	r := g.rng
	var w when
	z := feedZones[r.IntN(len(feedZones))]
	switch i % 10 {
	case 0:
		w.allDay = true
	case 1:
		w.tzid = z.windows
	case 2:
		// UTC
	default:
		w.tzid = z.iana
	}
	recurring := i/10%5 == 0
	withExdates := recurring && i/50%3 == 0
	withOverrides := recurring && i/50%5 == 1
	uid := fmt.Sprintf("%08x-%04x-bench@%s", r.Uint32(), i, feedDomains[r.IntN(len(feedDomains))])

	// The wall-clock start, as a time in UTC used for its fields only.
	var start time.Time
	if recurring {
		start = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(480))
	} else {
		start = time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(450))
	}
	if !w.allDay {
		start = start.Add(time.Duration(8*60+30*r.IntN(19)) * time.Minute)
	}
	length := []time.Duration{30 * time.Minute, 45 * time.Minute, time.Hour, 90 * time.Minute}[r.IntN(4)]
	end := start.Add(length)
	if w.allDay {
		end = start.AddDate(0, 0, 1+r.IntN(2))
	}

	var rule string
	step, count := 0, 0 // days between instances and their number (0: no end), for EXDATEs and overrides
	if recurring {
		rule, start, step, count = g.rule(start, w, withExdates || withOverrides)
		end = start.Add(length)
		if w.allDay {
			end = start.AddDate(0, 0, 1)
		}
	}
	summary := strings.ToUpper(g.words(1)[:1]) + g.words(3)[1:]
	g.master(uid, w, start, end, rule, summary, i)
	if withExdates {
		g.exdates(uid, w, start, step, count)
	}
	g.b.WriteString("END:VEVENT\r\n")
	if withOverrides {
		for k := range 1 + r.IntN(3) {
			g.override(uid, w, start, length, step, count, k, summary)
		}
	}
}

// rule picks a recurrence rule and a start in step with it. When steady
// is set, the rule repeats every step days, n times (0: without end), for
// EXDATEs and overrides.
func (g *feedGen) rule(start time.Time, w when, steady bool) (rule string, first time.Time, step, n int) {
	r := g.rng
	if steady || w.allDay {
		switch r.IntN(3) {
		case 0:
			return "FREQ=WEEKLY", start, 7, 0
		case 1:
			m := 10 + r.IntN(40)
			until := start.AddDate(0, 0, 14*m+1)
			if w.allDay {
				return "FREQ=WEEKLY;INTERVAL=2;UNTIL=" + until.Format("20060102"), start, 14, m + 1
			}
			return "FREQ=WEEKLY;INTERVAL=2;UNTIL=" + until.AddDate(0, 0, 1).Format("20060102") + "T000000Z", start, 14, m + 1
		default:
			n := 5 + r.IntN(20)
			return fmt.Sprintf("FREQ=DAILY;COUNT=%d", n), start, 1, n
		}
	}
	switch r.IntN(6) {
	case 0:
		return "FREQ=WEEKLY;BYDAY=" + []string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[start.Weekday()], start, 7, 0
	case 1:
		for start.Weekday() != time.Monday {
			start = start.AddDate(0, 0, 1)
		}
		return "FREQ=WEEKLY;WKST=MO;BYDAY=MO,WE;COUNT=" + fmt.Sprint(20+r.IntN(60)), start, 0, 0
	case 2:
		n := (start.Day()-1)/7 + 1
		if n == 5 {
			n = -1
		}
		wd := []string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[start.Weekday()]
		return fmt.Sprintf("FREQ=MONTHLY;BYDAY=%d%s", n, wd), start, 0, 0
	case 3:
		// The last weekday of the month.
		last := time.Date(start.Year(), start.Month()+1, 0, start.Hour(), start.Minute(), 0, 0, time.UTC)
		for last.Weekday() == time.Saturday || last.Weekday() == time.Sunday {
			last = last.AddDate(0, 0, -1)
		}
		return "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", last, 0, 0
	case 4:
		return "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL=" + start.AddDate(0, 2, 0).Format("20060102") + "T000000Z", start, 0, 0
	}
	return "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=" + fmt.Sprint(start.Day()), start, 0, 0
}

func (g *feedGen) master(uid string, w when, start, end time.Time, rule, summary string, i int) {
	r := g.rng
	g.b.WriteString("BEGIN:VEVENT\r\n")
	g.line("UID:" + uid)
	g.line("DTSTAMP:20250301T101500Z")
	g.line(w.prop("DTSTART", start))
	g.line(w.prop("DTEND", end))
	if rule != "" {
		g.line("RRULE:" + rule)
	}
	g.line("SUMMARY:" + escapeText(summary))
	desc := fmt.Sprintf("Agenda for %s.\n\n%s.\n%s.\n%s.\n\nJoin: https://meet.example/%08x\nDial-in: +1 555 0100, PIN %d#",
		summary, g.words(18), g.words(14), g.words(10), r.Uint32(), r.IntN(1_000_000))
	g.line("DESCRIPTION:" + escapeText(desc))
	g.line("LOCATION:" + escapeText([]string{"Room 4.12, HQ", "Zoom", "Customer site; building B", "Teams meeting"}[r.IntN(4)]))
	g.line("STATUS:CONFIRMED")
	g.line(fmt.Sprintf("SEQUENCE:%d", r.IntN(3)))
	g.attendees()
	g.line("CREATED:20240101T090000Z")
	g.line("LAST-MODIFIED:20250301T101500Z")
	g.line("TRANSP:OPAQUE")
	g.line("X-MICROSOFT-CDO-BUSYSTATUS:BUSY")
	g.line(fmt.Sprintf("X-MOZ-GENERATION:%d", i%7))
	g.b.WriteString("BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n")
}

func (g *feedGen) attendees() {
	r := g.rng
	org := feedPeople[r.IntN(len(feedPeople))]
	g.line("ORGANIZER;CN=" + nameOf(org) + ":mailto:" + org + "@ourco.example")
	for range 2 + r.IntN(4) {
		p := feedPeople[r.IntN(len(feedPeople))]
		dom := feedDomains[r.IntN(len(feedDomains))]
		stat := []string{"ACCEPTED", "DECLINED", "TENTATIVE", "NEEDS-ACTION"}[r.IntN(4)]
		g.line("ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=" + stat + ";RSVP=TRUE;CN=\"" + nameOf(p) + "\";X-NUM-GUESTS=0:mailto:" + p + "@" + dom)
	}
}

func nameOf(addr string) string {
	first, last, _ := strings.Cut(addr, ".")
	return strings.ToUpper(first[:1]) + first[1:] + " " + strings.ToUpper(last[:1]) + last[1:]
}

// pick returns the index of an instance among the first limit after the
// first, within the count of the series.
func (g *feedGen) pick(limit, count int) int {
	if count > 0 {
		limit = min(limit, count-1)
	}
	return 1 + g.rng.IntN(limit)
}

// exdates excludes 1 to 3 of the first 30 instances, on one line or
// several.
func (g *feedGen) exdates(uid string, w when, start time.Time, step, count int) {
	r := g.rng
	var vals []string
	for range 1 + r.IntN(3) {
		t := start.AddDate(0, 0, step*g.pick(30, count))
		g.excluded[uid] = append(g.excluded[uid], w.utc(t).Format(time.RFC3339))
		p := w.prop("EXDATE", t)
		vals = append(vals, p[strings.LastIndexByte(p, ':')+1:])
	}
	head := w.prop("EXDATE", start)
	head = head[:strings.LastIndexByte(head, ':')+1]
	if r.IntN(2) == 0 {
		g.line(head + strings.Join(vals, ","))
		return
	}
	for _, v := range vals {
		g.line(head + v)
	}
}

// override moves or cancels one of the first 20 instances.
func (g *feedGen) override(uid string, w when, start time.Time, length time.Duration, step, count, k int, summary string) {
	r := g.rng
	orig := start.AddDate(0, 0, step*g.pick(7*(k+1), count))
	newStart := orig
	status := "CONFIRMED"
	switch r.IntN(3) {
	case 0:
		status = "CANCELLED"
	case 1:
		if w.allDay {
			newStart = orig.AddDate(0, 0, 1+r.IntN(3))
		} else {
			newStart = orig.Add(time.Duration(1+r.IntN(6)) * time.Hour)
		}
	default:
		newStart = orig.AddDate(0, 0, -20+r.IntN(41))
	}
	end := newStart.Add(length)
	if w.allDay {
		end = newStart.AddDate(0, 0, 1)
	}
	g.b.WriteString("BEGIN:VEVENT\r\n")
	g.line("UID:" + uid)
	g.line(w.prop("RECURRENCE-ID", orig))
	g.line("DTSTAMP:20250302T080000Z")
	g.line(w.prop("DTSTART", newStart))
	g.line(w.prop("DTEND", end))
	g.line("SUMMARY:" + escapeText(summary+" (moved)"))
	g.line("STATUS:" + status)
	g.line("SEQUENCE:3")
	g.attendees()
	g.b.WriteString("END:VEVENT\r\n")
}
