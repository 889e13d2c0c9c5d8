package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dealtrail/dealtrail/internal/export"
	"github.com/dealtrail/dealtrail/internal/testenv/radicale"
)

// The three calendar sources of TestCalendarsEndToEnd, as named in the
// config and in the meetings' sightings.
const (
	calFileSource   = "rep1-ics-file"
	calFeedSource   = "rep2-ics-feed"
	calCalDAVSource = "rep3-caldav"
)

// The UIDs of the team calendar's events.
const (
	calSyncUID     = "5v0c1q2t8kdn3m7h4a6r9s2e1b@google.com"
	calReviewUID   = "3q9v1mlb0s4h8c2n6t5e7r1a2d@google.com"
	calPipelineUID = "0h7g3k2b6c9d8e1f4a5s2n7m3p@google.com"
	calHoldUID     = "6t2r8e4w1q9y3u7i5o0p2a4s6d@google.com"
	calIntroUID    = "040000008200E00074C5B7101A82E00800000000D0B4F6C1A0B5DA01000000000000000010000000A1B2C3D4E5F60718293A4B5C6D7E8F90"
)

const calDeal = "D-ACME"

// TestCalendarsEndToEnd reaches the same expectations through the three
// kinds of calendar source (issue 4): one team calendar, written here,
// is an exported file for rep1, an ICS feed over HTTP for rep2 and a
// CalDAV calendar on a real Radicale for rep3. Every meeting occurrence
// must be one activity seen in all three, at the times the calendar
// gives, on the Acme deal; a second pass must find nothing new; an edit
// made in all three sources must move one occurrence and nothing else.
func TestCalendarsEndToEnd(t *testing.T) {
	dav := radicale.Start(t) // skips (or fails under DEALTRAIL_NO_SKIP) without Radicale
	dir := t.TempDir()
	cal := newTeamCalendar(t, time.Now())

	// rep1: a file exported from the calendar.
	icsFile := filepath.Join(dir, "rep1.ics")
	calWriteFile(t, icsFile, cal.feed())
	// rep2: the calendar's secret ICS address.
	feed := &icsFeedServer{}
	feed.publish(cal.feed())
	srv := httptest.NewServer(feed)
	t.Cleanup(srv.Close)
	// rep3: the calendar on a CalDAV server, one object per event.
	dav.AddUser(t, "rep3", "rep3-dav-pw")
	dav.CreateCalendar(t, "rep3", "work", "VEVENT")
	for _, obj := range cal.objects() {
		dav.PutEvent(t, "rep3", "work", obj.name, cal.object(obj))
	}

	cfg := writeCalendarConfig(t, dir, dav.URL())
	env := []string{"REP2_FEED_URL=" + srv.URL + icsFeedPath, "REP3_DAV_PASSWORD=rep3-dav-pw"}
	deals := filepath.Join(dir, "deals.csv")
	calWriteFile(t, deals, "id,name,account,domains,contacts,owner,stage,status,amount,created,closed\n"+
		calDeal+",Acme rollout,Acme Corp,acme.example,,rep1@ourco.example,negotiation,open,48000,"+
		cal.today.AddDate(0, 0, -420).Format(time.DateOnly)+",\n")
	mustRun(t, env, "deals", "import", "-config", cfg, deals)

	// First pass: everything is new.
	said := string(mustRun(t, env, "sync", "-once", "-config", cfg))
	checkCalendarSummary(t, "the first sync", said, false)
	want := cal.want()
	onDeal := 0
	for _, m := range want {
		if m.deal != "" {
			onDeal++
		}
	}
	if line := fmt.Sprintf("matching: %d on deals (0 confirmed by people), 0 to review, %d unlinked", onDeal, len(want)-onDeal); !strings.Contains(said, line) {
		t.Errorf("the first sync should say %q; it said:\n%s", line, said)
	}
	first := mustRun(t, env, "export", "-config", cfg, "-format", "json")
	checkCalMeetings(t, "after the first sync", readExport(t, first), want)
	checkCalAttendees(t, readExport(t, first))
	if got := feed.counts(); got.requests != 1 || got.ok != 1 {
		t.Errorf("the feed was asked %d times (%d answered 200); want once", got.requests, got.ok)
	}

	// Second pass: nothing changed anywhere.
	before := feed.counts()
	checkCalendarSummary(t, "the second sync", string(mustRun(t, env, "sync", "-once", "-config", cfg)), true)
	if got := feed.counts(); got.requests != before.requests+1 || got.notModified != before.notModified+1 || got.bytes != before.bytes {
		t.Errorf("second sync: the feed answered %d requests, %d with 304, %d body bytes; want one 304 and no body",
			got.requests-before.requests, got.notModified-before.notModified, got.bytes-before.bytes)
	}
	if second := mustRun(t, env, "export", "-config", cfg, "-format", "json"); !bytes.Equal(first, second) {
		t.Errorf("an unchanged calendar changed the export")
		checkCalMeetings(t, "after the second sync", readExport(t, second), want)
	}

	// rep1 moves a future Acme sync to a Friday; the change reaches every
	// source: a new export, a new feed body, a new version of the CalDAV
	// object.
	cal.reschedule = true
	calWriteFile(t, icsFile, cal.feed())
	feed.publish(cal.feed())
	series := cal.objects()[0]
	dav.PutEvent(t, "rep3", "work", series.name, cal.object(series))
	before = feed.counts()
	checkCalendarSummary(t, "the sync after the edit", string(mustRun(t, env, "sync", "-once", "-config", cfg)), false)
	if got := feed.counts(); got.ok != before.ok+1 {
		t.Errorf("after the edit the feed answered %d times with 200, want once", got.ok-before.ok)
	}
	checkCalMeetings(t, "after the edit", readExport(t, mustRun(t, env, "export", "-config", cfg, "-format", "json")), cal.want())
}

// writeCalendarConfig writes a config with three team members, each with
// one calendar and no mailbox.
func writeCalendarConfig(t *testing.T, dir, davURL string) string {
	t.Helper()
	cfg := `database: ./dealtrail.db
team:
  domains: [ourco.example]
  members:
    - {email: rep1@ourco.example, name: Rita One}
    - {email: rep2@ourco.example, name: Ravi Two}
    - {email: rep3@ourco.example, name: Rosa Three}
calendar:
  allow_private_networks: true   # the feed and Radicale are on loopback
calendars:
  - name: ` + calFileSource + `
    owner: rep1@ourco.example
    file: rep1.ics
  - name: ` + calFeedSource + `
    owner: rep2@ourco.example
    url: ${REP2_FEED_URL}
  - name: ` + calCalDAVSource + `
    owner: rep3@ourco.example
    caldav: ` + davURL + `
    username: rep3
    password: ${REP3_DAV_PASSWORD}
`
	path := filepath.Join(dir, "dealtrail.yaml")
	calWriteFile(t, path, cfg)
	return path
}

// calWriteFile writes a file of the test or fails it.
func calWriteFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkCalendarSummary checks that the summary of a sync lists each of
// the three calendars, as read or as unchanged.
func checkCalendarSummary(t *testing.T, when, said string, unchanged bool) {
	t.Helper()
	for _, name := range []string{calFileSource, calFeedSource, calCalDAVSource} {
		line := ""
		for l := range strings.Lines(said) {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "calendar "+name+" "); ok {
				line = strings.TrimSpace(rest)
			}
		}
		switch {
		case line == "":
			t.Errorf("%s does not list calendar %s in its summary:\n%s", when, name, said)
		case unchanged && !strings.HasPrefix(line, "unchanged"):
			t.Errorf("%s says calendar %s: %q; want it unchanged", when, name, line)
		case !unchanged && strings.HasPrefix(line, "unchanged"):
			t.Errorf("%s says calendar %s: %q; want it read afresh", when, name, line)
		}
	}
}

// calMeeting is a meeting occurrence the export must hold.
type calMeeting struct {
	uid        string
	start, end time.Time
	cancelled  bool
	deal       string // "" for unlinked
}

// checkCalMeetings compares the export with want, keyed by activity key:
// the same occurrences and no other, each at its times, on its deal (or
// unlinked), seen once in each calendar source.
func checkCalMeetings(t *testing.T, when string, doc export.Document, want map[string]calMeeting) {
	t.Helper()
	type placed struct {
		a    export.Activity
		deal string // "" when not on a deal
		in   string // "deal", "review" or "unlinked"
	}
	got := map[string]placed{}
	put := func(a export.Activity, deal, in string) {
		if old, dup := got[a.Key]; dup {
			t.Errorf("%s: %s is listed twice (%s %s and %s %s)", when, a.Key, old.in, old.deal, in, deal)
		}
		got[a.Key] = placed{a, deal, in}
	}
	for _, d := range doc.Deals {
		for _, a := range d.Activities {
			put(a, d.ID, "deal")
		}
	}
	for _, r := range doc.Review {
		put(r.Activity, "", "review")
	}
	for _, a := range doc.Unlinked {
		put(a, "", "unlinked")
	}
	for _, key := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[key]; !ok {
			a := got[key].a
			t.Errorf("%s: the export holds %s %q (%s, %s), which should not be stored", when, a.Kind, key, a.Subject, a.Start)
		}
	}
	sources := []string{calFeedSource, calFileSource, calCalDAVSource}
	slices.Sort(sources)
	for _, key := range slices.Sorted(maps.Keys(want)) {
		m := want[key]
		p, ok := got[key]
		if !ok {
			t.Errorf("%s: no activity %s (%s to %s)", when, key, calUTC(m.start), calUTC(m.end))
			continue
		}
		a := p.a
		cancelled := a.Cancelled != nil && *a.Cancelled
		if a.Kind != "meeting" || a.UID != m.uid || a.Start != calUTC(m.start) || a.End != calUTC(m.end) ||
			a.Cancelled == nil || cancelled != m.cancelled {
			t.Errorf("%s: %s is kind %q, uid %q, %s to %s, cancelled %v; want a meeting of %s, %s to %s, cancelled %v",
				when, key, a.Kind, a.UID, a.Start, a.End, calBool(a.Cancelled), m.uid, calUTC(m.start), calUTC(m.end), m.cancelled)
		}
		switch {
		case m.deal != "" && (p.in != "deal" || p.deal != m.deal || a.Link == nil || a.Link.State != "auto"):
			t.Errorf("%s: %s (%s) is %s %s with link %+v; want it on %s, state auto", when, key, a.Subject, p.in, p.deal, a.Link, m.deal)
		case m.deal == "" && p.in != "unlinked":
			t.Errorf("%s: %s (%s) is %s %s; want it unlinked", when, key, a.Subject, p.in, p.deal)
		}
		var seen []string
		for _, s := range a.Sightings {
			seen = append(seen, s.Calendar)
		}
		slices.Sort(seen)
		if !slices.Equal(seen, sources) {
			t.Errorf("%s: %s was seen in %q; want once in each of %q", when, key, seen, sources)
		}
	}
}

// checkCalAttendees checks the answers Acme's people gave, as the export
// shows them on every occurrence of the Acme meetings.
func checkCalAttendees(t *testing.T, doc export.Document) {
	t.Helper()
	want := map[string]map[string]string{
		calReviewUID: {"legal@acme.example": "declined", "cfo@acme.example": "accepted"},
		calSyncUID:   {"buyer@acme.example": "accepted"},
	}
	acts := slices.Clone(doc.Unlinked)
	for _, d := range doc.Deals {
		acts = append(acts, d.Activities...)
	}
	for _, r := range doc.Review {
		acts = append(acts, r.Activity)
	}
	checked := map[string]bool{}
	for _, a := range acts {
		for email, status := range want[a.UID] {
			checked[a.UID] = true
			var got []string
			for _, p := range a.Participants {
				if strings.EqualFold(p.Email, email) && p.Role == "attendee" {
					got = append(got, string(p.Status))
				}
			}
			if !slices.Equal(got, []string{status}) {
				t.Errorf("%s (%s): %s answered %q; want %q once", a.Key, a.Subject, email, got, status)
			}
		}
	}
	for uid := range want {
		if !checked[uid] {
			t.Errorf("no meeting of %s in the export to check the attendees of", uid)
		}
	}
}

// calUTC formats t as the export does: RFC 3339 in UTC.
func calUTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// calBool shows an optional export flag in a message.
func calBool(b *bool) any {
	if b == nil {
		return "(absent)"
	}
	return *b
}

// icsFeedPath is the secret address of rep2's calendar on the feed server.
const icsFeedPath = "/calendar/ical/rep2%40ourco.example/private-8f14e45fceea167a5a36dedd4bea2543/basic.ics"

// icsFeedServer publishes one calendar like a calendar service does,
// with an ETag, and honours If-None-Match. It counts what it answered.
type icsFeedServer struct {
	mu    sync.Mutex
	body  string
	etag  string
	tally icsFeedCounts
}

type icsFeedCounts struct {
	requests, ok, notModified int
	bytes                     int // body bytes sent
}

func (s *icsFeedServer) publish(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := sha256.Sum256([]byte(body))
	s.body, s.etag = body, `"`+hex.EncodeToString(sum[:8])+`"`
}

func (s *icsFeedServer) counts() icsFeedCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tally
}

func (s *icsFeedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tally.requests++
	if r.URL.EscapedPath() != icsFeedPath || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", s.etag)
	w.Header().Set("Cache-Control", "private, max-age=0")
	for tag := range strings.SplitSeq(r.Header.Get("If-None-Match"), ",") {
		if tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/"); tag == s.etag || tag == "*" {
			s.tally.notModified++
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "text/calendar; charset=UTF-8")
	n, _ := w.Write([]byte(s.body))
	s.tally.ok++
	s.tally.bytes += n
}

// teamCalendar is the calendar the three reps share, from the team's
// side, as a Google Calendar feed would publish it: times in Europe/Berlin
// with its VTIMEZONE, plus one invitation that came from Outlook with a
// Windows zone name. Its dates are relative to the day the test runs, so
// that every event lies well inside the default window (365 days back,
// 90 ahead).
type teamCalendar struct {
	berlin *time.Location
	today  time.Time // midnight, Berlin time
	stamp  time.Time // DTSTAMP and LAST-MODIFIED
	// first is the first "Acme sync", a Tuesday at 10:00: weekly for 52
	// weeks, 40 of them past, so the series crosses at least one change
	// of daylight saving time whatever the day.
	first time.Time
	// Occurrences of the Acme sync, by number from 0: one week skipped
	// (EXDATE), one moved to Wednesday 15:00, one cancelled (upcoming),
	// and one moved to Friday 09:00 when reschedule is set.
	skipped, moved, cancelled, rescheduled int
	reschedule                             bool
	review, pipeline, hold, intro          time.Time // starts of the other events
}

const (
	calSyncCount  = 52
	calSyncLength = 45 * time.Minute
)

func newTeamCalendar(t *testing.T, now time.Time) *teamCalendar {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	y, m, d := now.In(berlin).Date()
	c := &teamCalendar{
		berlin:  berlin,
		today:   time.Date(y, m, d, 0, 0, 0, 0, berlin),
		stamp:   now.UTC().Truncate(time.Second),
		skipped: 14, moved: 20, cancelled: 43, rescheduled: 47,
	}
	c.first = c.at(calLastWeekday(c.today.AddDate(0, 0, -280), time.Tuesday), 0, 10, 0)
	c.review = c.at(calLastWeekday(c.today.AddDate(0, 0, -20), time.Thursday), 0, 14, 0)
	c.pipeline = c.at(calLastWeekday(c.today.AddDate(0, 0, -35), time.Monday), 0, 9, 0)
	c.hold = c.at(c.today, 9, 13, 0)
	c.intro = c.at(c.today, 12, 11, 0)
	// The fixture itself: the series must show both UTC offsets, and
	// the occurrences this test moves or cancels must be where it says.
	hours := map[int]bool{}
	for i := range calSyncCount {
		hours[c.occurrence(i).UTC().Hour()] = true
	}
	if !hours[8] || !hours[9] || len(hours) != 2 {
		t.Fatalf("the Acme sync should meet at 08:00 and 09:00 UTC (summer and winter); it meets at %v UTC", hours)
	}
	if !c.occurrence(c.cancelled).After(now) || c.occurrence(calSyncCount-1).After(now.AddDate(0, 0, 85)) ||
		c.first.Before(now.AddDate(0, 0, -300)) {
		t.Fatalf("the Acme sync (%s to %s) does not lie as planned around %s", c.first, c.occurrence(calSyncCount-1), now)
	}
	t.Logf("Acme sync from %s to %s; skipped %s, moved %s, cancelled %s, rescheduled later %s", c.first,
		c.occurrence(calSyncCount-1), c.occurrence(c.skipped), c.occurrence(c.moved), c.occurrence(c.cancelled),
		c.occurrence(c.rescheduled))
	return c
}

// calLastWeekday returns the day d or the last day before it that is a wd.
func calLastWeekday(d time.Time, wd time.Weekday) time.Time {
	return d.AddDate(0, 0, -((int(d.Weekday()) - int(wd) + 7) % 7))
}

// at returns hh:mm Berlin time, days after day d.
func (c *teamCalendar) at(d time.Time, days, hh, mm int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day()+days, hh, mm, 0, 0, c.berlin)
}

// occurrence returns the planned start (the RECURRENCE-ID) of the Acme
// sync number i.
func (c *teamCalendar) occurrence(i int) time.Time { return c.at(c.first, 7*i, 10, 0) }

// want returns the meeting occurrences the export must hold, by key.
func (c *teamCalendar) want() map[string]calMeeting {
	want := map[string]calMeeting{}
	for i := range calSyncCount {
		planned := c.occurrence(i)
		start := planned
		switch {
		case i == c.skipped:
			continue
		case i == c.moved:
			start = c.at(planned, 1, 15, 0)
		case i == c.rescheduled && c.reschedule:
			start = c.at(planned, 3, 9, 0)
		}
		want[calSyncUID+"/"+calUTC(planned)] = calMeeting{calSyncUID, start, start.Add(calSyncLength), i == c.cancelled, calDeal}
	}
	want[calReviewUID+"/"+calUTC(c.review)] = calMeeting{calReviewUID, c.review, c.review.Add(time.Hour), false, calDeal}
	want[calIntroUID+"/"+calUTC(c.intro)] = calMeeting{calIntroUID, c.intro, c.intro.Add(30 * time.Minute), false, ""}
	// The internal pipeline review and the CFO's hold, which has nobody
	// but its organizer, are not stored.
	return want
}

// calObject is one calendar object (a CalDAV resource): an event, or a
// recurring event with its overrides, and the zone its times are in.
type calObject struct {
	name   string
	zone   []string // the VTIMEZONE
	events []string // VEVENT lines
}

func (c *teamCalendar) local(t time.Time) string { return t.In(c.berlin).Format("20060102T150405") }
func (c *teamCalendar) utcStamp() string         { return c.stamp.Format("20060102T150405Z") }

// calAttendee is an ATTENDEE line as Google Calendar writes it.
func calAttendee(partstat, cn, email string) string {
	return "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=" + partstat + ";CN=" + cn +
		";X-NUM-GUESTS=0:mailto:" + email
}

// objects returns the calendar's objects, the Acme sync series first.
func (c *teamCalendar) objects() []calObject {
	berlin := "TZID=Europe/Berlin:"
	// acmeSync is the series (recurrenceID "") or one of its overrides.
	acmeSync := func(recurrenceID time.Time, start time.Time, seq int, status string) []string {
		ev := []string{"BEGIN:VEVENT",
			"DTSTART;" + berlin + c.local(start),
			"DTEND;" + berlin + c.local(start.Add(calSyncLength))}
		if recurrenceID.IsZero() {
			ev = append(ev, fmt.Sprintf("RRULE:FREQ=WEEKLY;WKST=MO;COUNT=%d;BYDAY=TU", calSyncCount),
				"EXDATE;"+berlin+c.local(c.occurrence(c.skipped)))
		}
		ev = append(ev, "DTSTAMP:"+c.utcStamp(),
			"ORGANIZER;CN=Rita One:mailto:rep1@ourco.example",
			"UID:"+calSyncUID,
			calAttendee("ACCEPTED", "Bea Buyer", "buyer@acme.example"),
			calAttendee("ACCEPTED", "Rita One", "rep1@ourco.example"),
			calAttendee("ACCEPTED", "Ravi Two", "rep2@ourco.example"),
			calAttendee("TENTATIVE", "Rosa Three", "rep3@ourco.example"))
		if !recurrenceID.IsZero() {
			ev = append(ev, "RECURRENCE-ID;"+berlin+c.local(recurrenceID))
		}
		return append(ev, "CREATED:"+c.first.AddDate(0, 0, -9).UTC().Format("20060102T150405Z"),
			`DESCRIPTION:Weekly check-in on the Acme rollout: open items\, blockers\, next steps.\nJoin: https://meet.example/acme-sync-4411`,
			"LAST-MODIFIED:"+c.utcStamp(),
			"LOCATION:https://meet.example/acme-sync-4411",
			fmt.Sprintf("SEQUENCE:%d", seq),
			"STATUS:"+status,
			"SUMMARY:Acme sync",
			"TRANSP:OPAQUE",
			"END:VEVENT")
	}
	moved, cancelled := c.occurrence(c.moved), c.occurrence(c.cancelled)
	series := slices.Concat(acmeSync(time.Time{}, c.first, 0, "CONFIRMED"),
		acmeSync(moved, c.at(moved, 1, 15, 0), 1, "CONFIRMED"),
		acmeSync(cancelled, cancelled, 1, "CANCELLED"))
	if c.reschedule {
		planned := c.occurrence(c.rescheduled)
		series = append(series, acmeSync(planned, c.at(planned, 3, 9, 0), 1, "CONFIRMED")...)
	}
	return []calObject{
		{"acme-sync.ics", calBerlinZone, series},
		{"contract-review.ics", calBerlinZone, []string{"BEGIN:VEVENT",
			"DTSTART;" + berlin + c.local(c.review), "DTEND;" + berlin + c.local(c.review.Add(time.Hour)),
			"DTSTAMP:" + c.utcStamp(),
			"ORGANIZER;CN=Rita One:mailto:rep1@ourco.example",
			"UID:" + calReviewUID,
			calAttendee("ACCEPTED", "Rita One", "rep1@ourco.example"),
			calAttendee("DECLINED", `"Weiß, Jörg"`, "legal@acme.example"),
			calAttendee("ACCEPTED", "Carla Fenwick (CFO)", "cfo@acme.example"),
			"DESCRIPTION:Redlines on the MSA\\, §7 liability cap and §12 termination.",
			"LOCATION:Acme HQ\\, Friedrichstraße 68\\, 10117 Berlin",
			"SEQUENCE:2", "STATUS:CONFIRMED", "SUMMARY:Contract review – Acme MSA", "TRANSP:OPAQUE",
			"END:VEVENT"}},
		{"pipeline-review.ics", calBerlinZone, []string{"BEGIN:VEVENT",
			"DTSTART;" + berlin + c.local(c.pipeline), "DTEND;" + berlin + c.local(c.pipeline.Add(time.Hour)),
			"RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=12",
			"DTSTAMP:" + c.utcStamp(),
			"ORGANIZER;CN=Rita One:mailto:rep1@ourco.example",
			"UID:" + calPipelineUID,
			calAttendee("ACCEPTED", "Ravi Two", "rep2@ourco.example"),
			calAttendee("ACCEPTED", "Rosa Three", "rep3@ourco.example"),
			"SEQUENCE:0", "STATUS:CONFIRMED", "SUMMARY:Pipeline review", "TRANSP:OPAQUE",
			"END:VEVENT"}},
		// A hold the Acme CFO sent: nobody takes part but its organizer.
		{"acme-hold.ics", calBerlinZone, []string{"BEGIN:VEVENT",
			"DTSTART;" + berlin + c.local(c.hold), "DTEND;" + berlin + c.local(c.hold.Add(4*time.Hour)),
			"DTSTAMP:" + c.utcStamp(),
			"ORGANIZER;CN=Carla Fenwick (CFO):mailto:cfo@acme.example",
			"UID:" + calHoldUID,
			"SEQUENCE:0", "STATUS:TENTATIVE", "SUMMARY:HOLD – Acme budget sign-off", "TRANSP:TRANSPARENT",
			"END:VEVENT"}},
		// An invitation from Outlook, from a company that is no customer.
		{"initrode-intro.ics", calWindowsZone, []string{"BEGIN:VEVENT",
			"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE;CN=Rita One:mailto:rep1@ourco.example",
			"CLASS:PUBLIC",
			"CREATED:" + c.utcStamp(),
			"DESCRIPTION:Quick intro: Initrode's reseller programme.\\n\\nMicrosoft Teams meeting",
			"DTEND;TZID=W. Europe Standard Time:" + c.local(c.intro.Add(30*time.Minute)),
			"DTSTAMP:" + c.utcStamp(),
			"DTSTART;TZID=W. Europe Standard Time:" + c.local(c.intro),
			"LAST-MODIFIED:" + c.utcStamp(),
			"LOCATION:Microsoft Teams Meeting",
			`ORGANIZER;CN="Partner, Ina":mailto:ina.partner@initrode.example`,
			"PRIORITY:5", "SEQUENCE:0",
			"SUMMARY;LANGUAGE=en-US:Initrode <> OurCo intro",
			"TRANSP:OPAQUE",
			"UID:" + calIntroUID,
			"X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
			"X-MICROSOFT-CDO-IMPORTANCE:1",
			"END:VEVENT"}},
	}
}

// feed returns the whole calendar as its ICS feed (and export) has it.
func (c *teamCalendar) feed() string {
	lines := []string{"BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
		"CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:Sales team", "X-WR-TIMEZONE:Europe/Berlin"}
	lines = append(append(lines, calBerlinZone...), calWindowsZone...)
	for _, obj := range c.objects() {
		lines = append(lines, obj.events...)
	}
	return calFoldICS(append(lines, "END:VCALENDAR"))
}

// object returns one object as a CalDAV resource: one UID, its zone, no
// METHOD.
func (c *teamCalendar) object(obj calObject) string {
	lines := slices.Concat([]string{"BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
		"CALSCALE:GREGORIAN"}, obj.zone, obj.events, []string{"END:VCALENDAR"})
	return calFoldICS(lines)
}

// calBerlinZone is the VTIMEZONE Google Calendar writes for Berlin time.
var calBerlinZone = []string{"BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "X-LIC-LOCATION:Europe/Berlin",
	"BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST", "DTSTART:19700329T020000",
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
	"BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "DTSTART:19701025T030000",
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD", "END:VTIMEZONE"}

// calWindowsZone is the VTIMEZONE Outlook sends for Berlin time.
var calWindowsZone = []string{"BEGIN:VTIMEZONE", "TZID:W. Europe Standard Time",
	"BEGIN:STANDARD", "DTSTART:16010101T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
	"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
	"BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
	"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE"}

// calFoldICS joins content lines with CRLF, folding each at 75 octets
// (RFC 5545 section 3.1) without splitting a UTF-8 sequence.
func calFoldICS(lines []string) string {
	var b strings.Builder
	for _, line := range lines {
		for limit := 75; len(line) > limit; limit = 74 {
			cut := limit
			for !utf8.RuneStart(line[cut]) {
				cut--
			}
			b.WriteString(line[:cut] + "\r\n ")
			line = line[cut:]
		}
		b.WriteString(line + "\r\n")
	}
	return b.String()
}
