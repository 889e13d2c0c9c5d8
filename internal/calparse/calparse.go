// Package calparse turns iCalendar data (RFC 5545: a feed, a CalDAV
// object, an iMIP invitation) into the occurrences of its meetings within
// a window of time, with recurrence expanded.
//
// Parse is pure and deterministic: it does no I/O of its own (IANA zones
// come from the tz database through time.LoadLocation, with the copy
// embedded by time/tzdata as the fallback) and reads no clock; the caller
// passes the window. It is bounded: every loop is capped (occurrences per
// event and per input, expansion work, properties, zones), so hostile
// input costs bounded time and memory, and what a cap cut short is said
// in Result.Problems. It never panics.
//
// github.com/emersion/go-ical decodes the content lines and components; a
// scanner in front of it (scan.go) repairs what it refuses and keeps only
// what calparse reads. go-ical's recurrence code is not used: it ignores
// RDATE, VTIMEZONE and RECURRENCE-ID overrides. The expansion layer here
// (expand.go) walks RRULEs on the wall clock of the event's zone, so a
// 09:00 meeting stays at 09:00 across DST changes.
//
// Times are read as follows. A DATE-TIME with "Z" is UTC. One with a TZID
// is in that zone: an IANA name, a Windows zone id (CLDR mapping), a
// VTIMEZONE of the input, a Windows display name, the IANA name ending a
// path, or a bare offset (see zones); an unknown zone is UTC, with a
// problem. A floating DATE-TIME (neither TZID nor "Z") is taken as UTC,
// except inside a series with a zone, where floating EXDATE, RDATE,
// RECURRENCE-ID, UNTIL and override DTSTART values are read on the
// series' clock, as producers mean them. An all-day event (DATE) starts
// and ends at midnight UTC of its dates; against an all-day series, a UTC
// EXDATE, RECURRENCE-ID or UNTIL stands for its nearest midnight (Outlook
// writes the local midnight in UTC).
//
// Recurrence follows RFC 5545: DTSTART is the first instance and counts
// towards COUNT; RRULE (all of FREQ, INTERVAL, COUNT, UNTIL, the BYxxx
// parts and WKST; several RRULEs are a union, as in RFC 2445), RDATE
// (dates, date-times, periods) and EXRULE; EXDATE removes instances, and
// a DATE EXDATE the whole day. An override (RECURRENCE-ID) replaces its
// instance; what it leaves out (summary, location, description,
// organizer, attendees, length) is the master's. Of two versions of an
// event or override, the higher SEQUENCE wins, then the later DTSTAMP,
// then the later in the input. STATUS:CANCELLED and METHOD:CANCEL cancel
// what they name; cancelled occurrences are kept, marked.
//
// An occurrence is in the window when it starts in it: Start in
// [Window.Start, Window.End). An instance moved by an override counts by
// its new start, so an override moving an instance out of the window
// drops it and one moving it in brings it.
package calparse

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Window is the span of time occurrences are expanded in (UTC), such as
// now-365d .. now+90d. An occurrence is in it when it starts at or after
// Start and before End.
type Window struct{ Start, End time.Time }

// Occurrence is one occurrence of an event: model.Occurrence. Its
// Participants are the organizer first (model.RoleOrganizer), then the
// attendees (model.RoleAttendee) with their PARTSTAT as Status; Email is
// the lower-cased mailto: address (others are left out, as are rooms and
// resources) and Name is CN. The occurrences of one event share that
// slice: treat it as read-only. Description is plain text, escapes
// undone; Method is the calendar's METHOD, upper-cased.
type Occurrence = model.Occurrence

// Result is what Parse read from one calendar object or feed.
type Result struct {
	// Occurrences are sorted by Start, then UID, then Instance; UID and
	// Instance identify each one.
	Occurrences []Occurrence
	// Problems says in words what was skipped, repaired or cut short,
	// naming the event by UID (or line) or the line.
	Problems []string
}

// Errors returned when nothing could be read.
var (
	// ErrEmpty is returned for input with nothing but white space.
	ErrEmpty = errors.New("calparse: empty input")
	// ErrNotCalendar is returned for input without a single BEGIN line:
	// it is not iCalendar.
	ErrNotCalendar = errors.New("calparse: not iCalendar: no BEGIN:VCALENDAR or other component")
	// errInternal wraps a recovered panic: a bug in this package.
	errInternal = errors.New("calparse: internal error")
)

// Parse reads iCalendar data and returns the occurrences of its events
// that start in w. A broken event, time zone or rule is a problem in
// Result.Problems and the rest still comes out; the error is non-nil only
// when nothing could be read (ErrEmpty, ErrNotCalendar). VTODO, VJOURNAL,
// VFREEBUSY and other components are ignored.
func Parse(data []byte, w Window) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = Result{}, fmt.Errorf("%w: %v", errInternal, r)
		}
	}()
	if len(bytes.TrimSpace(data)) == 0 {
		return Result{}, ErrEmpty
	}
	var p problems
	var events []*event
	var defs []*vtimezone
	var dec unitDecoder
	methods, components := scan(data, &p, func(u unit) {
		c, err := dec.decode(u)
		if err != nil {
			p.add("line %d: %s not read: %v", u.line, u.kind, err)
			return
		}
		switch u.kind {
		case "VEVENT":
			if ev := readEvent(c, u, &p); ev != nil {
				events = append(events, ev)
			}
		case "VTIMEZONE":
			if def := readTimezone(c, u, &p); def != nil {
				defs = append(defs, def)
			}
		}
	})
	if components == 0 {
		return Result{}, ErrNotCalendar
	}
	work := &budget{left: feedWork}
	b := &builder{
		lo:      w.Start.Unix(),
		hi:      w.End.Unix(),
		zs:      newZones(defs, work, &p),
		work:    work,
		p:       &p,
		methods: methods,
	}
	// A feed holds an occurrence for every few hundred bytes; starting
	// there saves growing a large slice many times.
	b.out = make([]Occurrence, 0, min(len(data)/bytesPerOccurrence, maxOccurrences))
	b.build(events)
	return Result{Occurrences: sortOccurrences(b.out), Problems: p.list()}, nil
}

// bytesPerOccurrence is the input size taken for each occurrence when
// the output is first allocated.
const bytesPerOccurrence = 320

// problems collects what could not be read, in words, without duplicates
// and at most maxProblems of them.
type problems struct {
	items   []string
	seen    map[string]bool
	dropped int
}

const maxProblems = 100

func (p *problems) add(format string, args ...any) {
	if len(p.items) >= maxProblems {
		p.dropped++
		return
	}
	s := fmt.Sprintf(format, args...)
	if p.seen[s] {
		return
	}
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	p.seen[s] = true
	p.items = append(p.items, s)
}

func (p *problems) list() []string {
	if p.dropped > 0 {
		return append(slices.Clip(p.items), fmt.Sprintf("%d more problems not listed", p.dropped))
	}
	return p.items
}

// quote renders untrusted text for a problem: short, quoted, and ASCII
// whatever the input.
func quote(s string) string { return strconv.QuoteToASCII(clip(s)) }

// clip shortens untrusted text for a problem.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
