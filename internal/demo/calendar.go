package demo

import (
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the meetings' zone, on machines without a tz database

	"github.com/dealtrail/dealtrail/internal/model"
)

// CalendarZone is the TZID of the team's calendar events: the team's
// office, whose clocks the generated mail follows.
const CalendarZone = "America/New_York"

// Attendee is a person invited to a meeting, with their answer.
type Attendee struct {
	Name     string
	Email    string
	PartStat model.PartStat
}

// Override changes one instance of a recurring meeting: moves it to Start,
// or cancels it.
type Override struct {
	// Instance is the original start of the instance (its RECURRENCE-ID).
	Instance  time.Time
	Start     time.Time
	Cancelled bool
}

// Meeting is a calendar event of the team: a single meeting, or a weekly
// series of Count instances with some moved or cancelled.
type Meeting struct {
	// UID depends on the seed only, not on the time.
	UID      string
	Summary  string
	Location string
	// Deal is the deal the meeting belongs to in the story; "" for a
	// meeting within the team, which is no deal activity.
	Deal      string
	Organizer Member
	Attendees []Attendee
	// Start is the first instance, in CalendarZone.
	Start    time.Time
	Duration time.Duration
	// Count is the number of weekly instances of a series; 0 for a
	// single meeting.
	Count     int
	Overrides []Override
}

// Instances returns the original starts of the meeting's instances: its
// start for a single meeting.
func (m Meeting) Instances() []time.Time {
	if m.Count == 0 {
		return []time.Time{m.Start}
	}
	out := make([]time.Time, m.Count)
	for i := range out {
		out[i] = m.Start.AddDate(0, 0, 7*i)
	}
	return out
}

// Takes tells whether the member organizes or is invited to the meeting.
func (m Meeting) Takes(email string) bool {
	if m.Organizer.Email == email {
		return true
	}
	return slices.ContainsFunc(m.Attendees, func(a Attendee) bool { return a.Email == email })
}

// calendarZone is CalendarZone loaded (tzdata is embedded, so it loads).
var calendarZone = func() *time.Location {
	loc, err := time.LoadLocation(CalendarZone)
	if err != nil {
		return teamZone
	}
	return loc
}()

// meetings writes the team's calendar around now: a weekly check-in on an
// open deal with one instance moved and one cancelled, single meetings on
// other deals (one still to come), and meetings within the team.
func (g *gen) meetings(t *Team) []Meeting {
	member := func(user string) Member { m, _ := t.Member(user); return m }
	contact := func(deal string, i int, ps model.PartStat) Attendee {
		p := plans[slices.IndexFunc(plans, func(p plan) bool { return p.id == deal })]
		c := customers[p.account].Contacts[p.contacts[i]]
		return Attendee{Name: c.Name, Email: c.Email, PartStat: ps}
	}
	colleague := func(user string, ps model.PartStat) Attendee {
		m := member(user)
		return Attendee{Name: m.Name, Email: m.Email, PartStat: ps}
	}
	today := func() time.Time {
		n := t.Now.In(calendarZone)
		return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, calendarZone)
	}()
	// on is the weekday of the week weeks from now's (negative: before),
	// at hour:minute in CalendarZone.
	on := func(weeks int, day time.Weekday, hour, minute int) time.Time {
		d := today.AddDate(0, 0, int(day)-int(today.Weekday())+7*weeks)
		return time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, calendarZone)
	}
	uid := func(name string) string { return fmt.Sprintf("%s-%d@%s", name, g.seed, Domain) }

	checkIn := Meeting{
		UID: uid("hooli-weekly"), Summary: "Hooli Cloud – weekly rollout check-in", Location: "Video call",
		Deal: seriesDeal, Organizer: member("alice"),
		Attendees: []Attendee{
			contact(seriesDeal, 0, model.PartAccepted),
			contact(seriesDeal, 1, model.PartDeclined),
			colleague("lena", model.PartAccepted),
		},
		Start: on(-8, time.Tuesday, 11, 0), Duration: 30 * time.Minute, Count: 12,
	}
	inst := checkIn.Instances()
	checkIn.Overrides = []Override{
		// Moved to the Wednesday afternoon of its week.
		{Instance: inst[5], Start: inst[5].AddDate(0, 0, 1).Add(3*time.Hour + 30*time.Minute)},
		{Instance: inst[6], Start: inst[6], Cancelled: true},
	}

	pipeline := Meeting{
		UID: uid("pipeline-review"), Summary: "Pipeline review", Location: "Board room",
		Organizer: member("lena"),
		Attendees: []Attendee{
			colleague("alice", model.PartAccepted),
			colleague("bob", model.PartAccepted),
			colleague("carol", model.PartTentative),
		},
		Start: on(-10, time.Monday, 9, 0), Duration: time.Hour, Count: 14,
	}
	return []Meeting{
		checkIn,
		pipeline,
		{
			UID: uid("soylent-discovery"), Summary: "Soylent Foods – discovery call", Location: "Video call",
			Deal: "D-113", Organizer: member("carol"),
			Attendees: []Attendee{contact("D-113", 0, model.PartAccepted)},
			Start:     on(-2, time.Thursday, 14, 0), Duration: 45 * time.Minute,
		},
		{
			UID: uid("massive-walkthrough"), Summary: "Massive Dynamic – proposal walkthrough", Location: "Massive Dynamic, 5th floor",
			Deal: "D-116", Organizer: member("bob"),
			Attendees: []Attendee{
				contact("D-116", 0, model.PartAccepted),
				contact("D-116", 1, model.PartAccepted),
				colleague("lena", model.PartAccepted),
			},
			Start: on(-3, time.Wednesday, 10, 0), Duration: time.Hour,
		},
		{
			// The deal's next meeting.
			UID: uid("massive-contract"), Summary: "Massive Dynamic – contract review", Location: "Video call",
			Deal: "D-116", Organizer: member("bob"),
			Attendees: []Attendee{contact("D-116", 0, model.PartAccepted), contact("D-116", 1, model.PartNeedsAction)},
			Start:     on(1, time.Thursday, 15, 0), Duration: 45 * time.Minute,
		},
		{
			UID: uid("forecast-call"), Summary: "Forecast call", Location: "Lena's office",
			Organizer: member("lena"),
			Attendees: []Attendee{colleague("bob", model.PartAccepted)},
			Start:     on(-1, time.Friday, 16, 0), Duration: 30 * time.Minute,
		},
	}
}

// seriesDeal is the deal with the weekly check-in.
const seriesDeal = "D-110"

// CalendarFeed returns the iCalendar feed of a member's calendar: the
// meetings they organize or are invited to.
func (t *Team) CalendarFeed(user string) []byte {
	m, _ := t.Member(user)
	var b strings.Builder
	line := func(format string, args ...any) {
		b.WriteString(fold(fmt.Sprintf(format, args...)))
		b.WriteString("\r\n")
	}
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//dealtrail//demo//EN")
	line("X-WR-CALNAME:%s", icsText(m.Name))
	stamp := icsUTC(t.Now)
	for _, mt := range t.Meetings {
		if !mt.Takes(m.Email) {
			continue
		}
		event := func(start time.Time, recurrence time.Time, cancelled bool) {
			line("BEGIN:VEVENT")
			line("UID:%s", mt.UID)
			line("DTSTAMP:%s", stamp)
			if !recurrence.IsZero() {
				line("RECURRENCE-ID;TZID=%s:%s", CalendarZone, icsLocal(recurrence))
				line("SEQUENCE:1")
			}
			line("DTSTART;TZID=%s:%s", CalendarZone, icsLocal(start))
			line("DTEND;TZID=%s:%s", CalendarZone, icsLocal(start.Add(mt.Duration)))
			if mt.Count > 0 && recurrence.IsZero() {
				line("RRULE:FREQ=WEEKLY;COUNT=%d", mt.Count)
			}
			line("SUMMARY:%s", icsText(mt.Summary))
			line("LOCATION:%s", icsText(mt.Location))
			if cancelled {
				line("STATUS:CANCELLED")
			} else {
				line("STATUS:CONFIRMED")
			}
			line("ORGANIZER;CN=%s:mailto:%s", icsParam(mt.Organizer.Name), mt.Organizer.Email)
			for _, a := range mt.Attendees {
				line("ATTENDEE;CN=%s;ROLE=REQ-PARTICIPANT;PARTSTAT=%s:mailto:%s",
					icsParam(a.Name), strings.ToUpper(string(a.PartStat)), a.Email)
			}
			line("END:VEVENT")
		}
		event(mt.Start, time.Time{}, false)
		for _, o := range mt.Overrides {
			event(o.Start, o.Instance, o.Cancelled)
		}
	}
	line("END:VCALENDAR")
	return []byte(b.String())
}

func icsUTC(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func icsLocal(t time.Time) string { return t.In(calendarZone).Format("20060102T150405") }

// icsText escapes a TEXT value (RFC 5545, 3.3.11).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`).Replace(s)
}

// icsParam quotes a parameter value.
func icsParam(s string) string { return `"` + strings.ReplaceAll(s, `"`, "'") + `"` }

// fold folds a content line at 75 octets, not inside a UTF-8 sequence.
func fold(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		size := len(string(r))
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += size
	}
	return b.String()
}
