package calparse

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/emersion/go-ical"

	"github.com/dealtrail/dealtrail/internal/model"
)

// event is a VEVENT as read, before its zone is applied.
type event struct {
	line, cal int
	uid       string
	// start is DTSTART; end is DTEND and dur DURATION, nil when absent.
	start   timeValue
	noStart bool // no DTSTART: an override that starts at its RECURRENCE-ID
	end     *timeValue
	dur     *duration
	recurID *timeValue
	// thisAndFuture is RANGE=THISANDFUTURE on RECURRENCE-ID.
	thisAndFuture   bool
	rrules, exrules []string
	rdates          []rdate
	exdates         []timeValue
	summary         string
	description     string
	location        string
	status          string // upper-cased STATUS
	sequence        int
	stamp           int64 // DTSTAMP in UTC seconds, 0 when absent
	participants    []model.Participant
}

// rdate is one RDATE value; a PERIOD also gives the instance's end.
type rdate struct {
	timeValue
	end *timeValue
	dur *duration
}

// Bounds on what one event may list: RDATE and EXDATE values, RRULEs
// and EXRULEs (RFC 5545 allows one RRULE; RFC 2445 several).
const (
	maxDates = 10_000
	maxRules = 16
)

var errNoComponent = errors.New("go-ical read no component")

// unitDecoder has go-ical decode units, one at a time. It keeps one
// buffered reader for all of them: ical.NewDecoder takes a *bufio.Reader
// as it is instead of allocating one per unit.
type unitDecoder struct {
	rd bytes.Reader
	br *bufio.Reader
}

// decode returns the component of one unit.
func (d *unitDecoder) decode(u unit) (c *ical.Component, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("go-ical failed: %v", r)
		}
	}()
	d.rd.Reset(u.data)
	if d.br == nil {
		d.br = bufio.NewReaderSize(&d.rd, 4096)
	}
	d.br.Reset(&d.rd)
	cal, err := ical.NewDecoder(d.br).Decode()
	if err != nil {
		return nil, err
	}
	if len(cal.Children) != 1 {
		return nil, errNoComponent
	}
	return cal.Children[0], nil
}

// readEvent turns a decoded VEVENT into an event; nil when it has no
// usable DTSTART, with the problem said.
func readEvent(c *ical.Component, u unit, p *problems) *event {
	ev := &event{line: u.line, cal: u.cal}
	if prop := c.Props.Get(ical.PropUID); prop != nil {
		ev.uid = strings.TrimSpace(text(prop.Value))
	}
	if prop := c.Props.Get(ical.PropRecurrenceID); prop != nil {
		rid, err := parseTime(prop.Value, prop.Params.Get(ical.PropTimezoneID))
		if err != nil {
			p.add("%s: RECURRENCE-ID %s: %v; skipped", ev.who(), quote(prop.Value), err)
			return nil
		}
		ev.recurID = &rid
		ev.thisAndFuture = strings.EqualFold(prop.Params.Get(ical.ParamRange), "THISANDFUTURE")
	}
	switch prop := c.Props.Get(ical.PropDateTimeStart); {
	case prop != nil:
		start, err := parseTime(prop.Value, prop.Params.Get(ical.PropTimezoneID))
		if err != nil {
			p.add("%s: DTSTART %s: %v; skipped", ev.who(), quote(prop.Value), err)
			return nil
		}
		ev.start = start
	case ev.recurID != nil:
		// A cancellation of one occurrence may name it only by
		// RECURRENCE-ID.
		ev.start, ev.noStart = *ev.recurID, true
	default:
		p.add("%s: no DTSTART; skipped", ev.who())
		return nil
	}
	if prop := c.Props.Get(ical.PropDateTimeEnd); prop != nil {
		if end, err := parseTime(prop.Value, prop.Params.Get(ical.PropTimezoneID)); err == nil {
			ev.end = &end
		} else {
			p.add("%s: DTEND %s: %v; ignored", ev.who(), quote(prop.Value), err)
		}
	}
	if prop := c.Props.Get(ical.PropDuration); prop != nil && ev.end == nil {
		if d, err := parseDuration(prop.Value); err == nil {
			ev.dur = &d
		} else {
			p.add("%s: DURATION: %v; ignored", ev.who(), err)
		}
	}
	for _, prop := range c.Props.Values(ical.PropRecurrenceRule) {
		ev.rrules = append(ev.rrules, prop.Value)
	}
	for _, prop := range c.Props.Values("EXRULE") {
		ev.exrules = append(ev.exrules, prop.Value)
	}
	if len(ev.rrules) > maxRules || len(ev.exrules) > maxRules {
		p.add("%s: more than %d RRULEs or EXRULEs; the rest are ignored", ev.who(), maxRules)
		ev.rrules, ev.exrules = ev.rrules[:min(len(ev.rrules), maxRules)], ev.exrules[:min(len(ev.exrules), maxRules)]
	}
	ev.readDates(c, p)
	ev.summary = strings.TrimSpace(textOf(c, ical.PropSummary))
	ev.description = strings.TrimSpace(textOf(c, ical.PropDescription))
	ev.location = strings.TrimSpace(textOf(c, ical.PropLocation))
	ev.status = strings.ToUpper(strings.TrimSpace(textOf(c, ical.PropStatus)))
	if prop := c.Props.Get(ical.PropSequence); prop != nil {
		n, err := strconv.ParseInt(strings.TrimSpace(prop.Value), 10, 32)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			p.add("%s: SEQUENCE %s is not a number; taken as 0", ev.who(), quote(prop.Value))
		}
		ev.sequence = int(max(n, 0))
	}
	if prop := c.Props.Get(ical.PropDateTimeStamp); prop != nil {
		if v, err := parseTime(prop.Value, ""); err == nil {
			ev.stamp = v.local // UTC, or floating taken as UTC
		}
	}
	ev.participants = readParticipants(c)
	if ev.uid == "" {
		ev.uid = derivedUID(c, ev)
	}
	return ev
}

// readDates reads the RDATE and EXDATE lists.
func (ev *event) readDates(c *ical.Component, p *problems) {
	for _, prop := range c.Props.Values(ical.PropRecurrenceDates) {
		tzid := prop.Params.Get(ical.PropTimezoneID)
		for item := range strings.SplitSeq(prop.Value, ",") {
			if len(ev.rdates) >= maxDates {
				p.add("%s: more than %d RDATE values; the rest are ignored", ev.who(), maxDates)
				break
			}
			startText, endText, isPeriod := strings.Cut(item, "/")
			v, err := parseTime(startText, tzid)
			if err != nil {
				p.add("%s: RDATE %s: %v; ignored", ev.who(), quote(item), err)
				continue
			}
			rd := rdate{timeValue: v}
			if isPeriod {
				if end, err := parseTime(endText, tzid); err == nil {
					rd.end = &end
				} else if d, err := parseDuration(endText); err == nil {
					rd.dur = &d
				}
			}
			ev.rdates = append(ev.rdates, rd)
		}
	}
	for _, prop := range c.Props.Values(ical.PropExceptionDates) {
		tzid := prop.Params.Get(ical.PropTimezoneID)
		for item := range strings.SplitSeq(prop.Value, ",") {
			if len(ev.exdates) >= maxDates {
				p.add("%s: more than %d EXDATE values; the rest are ignored", ev.who(), maxDates)
				break
			}
			if strings.TrimSpace(item) == "" {
				continue
			}
			v, err := parseTime(item, tzid)
			if err != nil {
				p.add("%s: EXDATE %s: %v; ignored", ev.who(), quote(item), err)
				continue
			}
			ev.exdates = append(ev.exdates, v)
		}
	}
}

// who names the event in problems: by UID, or by line when it has none.
func (ev *event) who() string {
	if ev.uid == "" || strings.HasPrefix(ev.uid, derivedPrefix) {
		return fmt.Sprintf("event at line %d", ev.line)
	}
	u := ev.uid
	if len(u) > 80 {
		u = u[:80] + "..."
	}
	if strings.ContainsFunc(u, func(r rune) bool { return r < ' ' || r == 0x7f || r == 0xfffd }) {
		return "event " + quote(u)
	}
	return "event " + u
}

const derivedPrefix = "calparse-"

// derivedUID gives an event without a UID a stable one from what
// identifies it: its start, summary and organizer.
func derivedUID(c *ical.Component, ev *event) string {
	h := sha256.New()
	for _, name := range []string{ical.PropDateTimeStart, ical.PropSummary, ical.PropOrganizer, ical.PropRecurrenceID} {
		if prop := c.Props.Get(name); prop != nil {
			fmt.Fprintf(h, "%s;%s:%s\n", name, prop.Params.Get(ical.PropTimezoneID), prop.Value)
		}
	}
	return derivedPrefix + hex.EncodeToString(h.Sum(nil))[:24]
}

// readTimezone turns a decoded VTIMEZONE into its definition.
func readTimezone(c *ical.Component, u unit, p *problems) *vtimezone {
	prop := c.Props.Get(ical.PropTimezoneID)
	if prop == nil {
		p.add("line %d: VTIMEZONE without TZID; ignored", u.line)
		return nil
	}
	def := &vtimezone{tzid: cleanTZID(text(prop.Value)), line: u.line}
	for _, child := range c.Children {
		if len(def.obs) >= maxObservances {
			p.add("VTIMEZONE %s (line %d): more than %d observances; the rest are ignored", quote(def.tzid), u.line, maxObservances)
			break
		}
		if ob, err := readObservance(child); err == nil {
			def.obs = append(def.obs, ob)
		} else {
			p.add("VTIMEZONE %s (line %d): %s: %v; ignored", quote(def.tzid), u.line, child.Name, err)
		}
	}
	return def
}

func readObservance(c *ical.Component) (observance, error) {
	var ob observance
	to := c.Props.Get(ical.PropTimezoneOffsetTo)
	if to == nil {
		return ob, errors.New("no TZOFFSETTO")
	}
	var err error
	if ob.to, err = parseOffset(to.Value); err != nil {
		return ob, fmt.Errorf("TZOFFSETTO: %w", err)
	}
	ob.from = ob.to
	if from := c.Props.Get(ical.PropTimezoneOffsetFrom); from != nil {
		if ob.from, err = parseOffset(from.Value); err != nil {
			return ob, fmt.Errorf("TZOFFSETFROM: %w", err)
		}
	}
	start := c.Props.Get(ical.PropDateTimeStart)
	if start == nil {
		return ob, errors.New("no DTSTART")
	}
	v, err := parseTime(start.Value, "")
	if err != nil {
		return ob, fmt.Errorf("DTSTART %s: %w", quote(start.Value), err)
	}
	ob.start = v.local
	if v.utc {
		ob.start += int64(ob.from)
	}
	for _, prop := range c.Props.Values(ical.PropRecurrenceRule) {
		ob.rrules = append(ob.rrules, prop.Value)
	}
	for _, prop := range c.Props.Values(ical.PropRecurrenceDates) {
		for item := range strings.SplitSeq(prop.Value, ",") {
			if v, err := parseTime(item, ""); err == nil && len(ob.rdates) < maxOnsets {
				ob.rdates = append(ob.rdates, v)
			}
		}
	}
	return ob, nil
}
