package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// meeting is a meeting activity of series uid whose occurrence was first
// at minute instance and now starts at minute start, with this sequence;
// the first person organizes, the others accepted.
func meeting(uid string, instance, start, seq int, people ...string) model.Activity {
	m := &model.Meeting{UID: uid, Instance: tmin(instance), Start: tmin(start), End: tmin(start).Add(30 * time.Minute),
		Sequence: seq, Location: "Room 1"}
	a := model.Activity{Kind: model.KindMeeting, Key: m.Key(), At: m.Start, Direction: model.Outbound,
		Subject: "Sync " + uid, Snippet: "Agenda", Meeting: m}
	for i, p := range people {
		part := model.Participant{Email: p, Role: model.RoleAttendee, Status: model.PartAccepted}
		if i == 0 {
			part.Role, part.Status = model.RoleOrganizer, ""
		}
		a.Participants = append(a.Participants, part)
	}
	return a
}

// saveCal stores activities as a batch of calendar source with the
// current catalog version and returns their ids by key.
func saveCal(t *testing.T, s *Store, source string, acts ...model.Activity) map[string]int64 {
	t.Helper()
	b := CalendarBatch{Source: source, Activities: acts, CatalogVersion: version(t, s)}
	if err := s.SaveCalendarBatch(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, a := range b.Activities {
		ids[a.Key] = a.ID
	}
	return ids
}

// stored reads one activity and fails the test on error.
func stored(t *testing.T, s *Store, id int64) model.Activity {
	t.Helper()
	a, err := s.Activity(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSaveCalendarBatchOneMeetingInThreeCalendars(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	m := meeting("u1", 10, 10, 0, "rep1@ourco.example", "cto@acme.example", "rep2@ourco.example")
	m.Participants[1].Status, m.Participants[1].Name = model.PartTentative, "C. T. O."
	m.Participants[2].Status = model.PartDeclined
	ids := saveCal(t, s, "cal:rep2", m)
	id := ids[m.Key]
	first := queue(t, s)
	if len(first) != 1 || first[id] == 0 {
		t.Fatalf("a new meeting: queue %v, want it queued", first)
	}
	saveCal(t, s, "cal:rep1", m)
	second := queue(t, s)
	if second[id] <= first[id] {
		t.Errorf("a new calendar sighting: seq %d, want above %d", second[id], first[id])
	}
	clearQueue(t, s)
	saveCal(t, s, "cal:rep3", m)
	saveCal(t, s, "cal:rep1", m) // a replay
	if got := queuedIDs(t, s); !slices.Equal(got, []int64{id}) {
		t.Errorf("queue = %v, want the meeting once (rep3's new sighting)", got)
	}
	clearQueue(t, s)
	saveCal(t, s, "cal:rep1", m)
	if got := queuedIDs(t, s); len(got) != 0 {
		t.Errorf("an unchanged meeting seen again queued %v", got)
	}

	want := m
	want.ID, want.References = id, []string{} // as the store reads no references
	want.Sightings = []model.Sighting{{Calendar: "cal:rep1"}, {Calendar: "cal:rep2"}, {Calendar: "cal:rep3"}}
	if got := stored(t, s, id); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got  %+v %+v\n want %+v %+v", got, got.Meeting, want, want.Meeting)
	}
	if all, err := s.Activities(ctx); err != nil || len(all) != 1 || !reflect.DeepEqual(all[0], want) {
		t.Errorf("Activities = %+v, %v", all, err)
	}
	if aff, err := s.AffectedActivities(ctx, Affects{Domains: []string{"acme.example"}}); err != nil || len(aff) != 1 ||
		!reflect.DeepEqual(aff[0], want) {
		t.Errorf("AffectedActivities = %+v, %v", aff, err)
	}

	// The matcher's reads carry sightings and participants, not the
	// details.
	matcherView := want
	matcherView.Subject, matcherView.Snippet, matcherView.Meeting = "", "", nil
	var each []model.Activity
	if err := s.EachActivity(ctx, 10, func(acts []model.Activity) error { each = append(each, acts...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(each) != 1 || !reflect.DeepEqual(each[0], matcherView) {
		t.Errorf("EachActivity = %+v\nwant %+v", each, matcherView)
	}
	if err := s.Enqueue(ctx, []int64{id}); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Pending(ctx, 10); err != nil || len(p) != 1 || !reflect.DeepEqual(p[0].Activity, matcherView) {
		t.Errorf("Pending = %+v, %v", p, err)
	}
}

func TestSaveCalendarBatchSequence(t *testing.T) {
	s, _ := openTest(t)
	v2 := meeting("u1", 10, 10, 2, "rep1@ourco.example", "cto@acme.example")
	v2.Subject = "Pricing, version 2"
	id := saveCal(t, s, "cal:rep1", v2)[v2.Key]
	clearQueue(t, s)

	// An older version arriving later (from another calendar) changes
	// nothing but adds its sighting.
	v1 := meeting("u1", 10, 40, 1, "rep1@ourco.example", "cto@acme.example", "cfo@acme.example")
	v1.Subject, v1.Meeting.Cancelled = "Pricing, version 1", true
	saveCal(t, s, "cal:rep2", v1)
	got := stored(t, s, id)
	if got.Subject != v2.Subject || !got.At.Equal(tmin(10)) || !reflect.DeepEqual(got.Meeting, v2.Meeting) ||
		!reflect.DeepEqual(got.Participants, v2.Participants) {
		t.Errorf("an older version overwrote the newer one: %+v %+v", got, got.Meeting)
	}
	if len(got.Sightings) != 2 {
		t.Errorf("sightings = %+v, want both calendars", got.Sightings)
	}
	if q := queuedIDs(t, s); !slices.Equal(q, []int64{id}) {
		t.Errorf("queue = %v, want the meeting for its new sighting", q)
	}

	// The same sequence again with new text is taken (last copy wins),
	// and queues nothing: neither time nor participants moved.
	clearQueue(t, s)
	same := v2
	same.Subject, same.Snippet, same.Meeting = "Pricing, renamed", "New agenda", &model.Meeting{}
	*same.Meeting = *v2.Meeting
	same.Meeting.Location = "Room 2"
	saveCal(t, s, "cal:rep1", same)
	got = stored(t, s, id)
	if got.Subject != "Pricing, renamed" || got.Snippet != "New agenda" || got.Meeting.Location != "Room 2" {
		t.Errorf("an equal sequence was not taken: %+v %+v", got, got.Meeting)
	}
	if q := queuedIDs(t, s); len(q) != 0 {
		t.Errorf("a change of text queued %v", q)
	}
}

func TestSaveCalendarBatchMovedOccurrence(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}))
	m := meeting("weekly", 10, 10, 0, "rep1@ourco.example", "cto@acme.example")
	m.Link = &model.Link{DealID: "D-1", State: model.LinkAuto, Method: model.MethodDomain, Confidence: 0.85, Reason: "domain"}
	id := saveCal(t, s, "cal:rep1", m)[m.Key]
	if got := stored(t, s, id); got.Link == nil || got.Link.DealID != "D-1" {
		t.Fatalf("a new meeting's link: %+v", got.Link)
	}
	if q := queuedIDs(t, s); len(q) != 0 {
		t.Errorf("a linked new meeting was queued: %v", q)
	}
	// Queued with its old time by something else meanwhile.
	if err := s.Enqueue(ctx, []int64{id}); err != nil {
		t.Fatal(err)
	}

	// The occurrence moves: same key (same original start), new start.
	moved := meeting("weekly", 10, 50, 1, "rep1@ourco.example", "cto@acme.example")
	moved.Link = &model.Link{State: model.LinkNone} // a known activity's link is not used
	if moved.Key != m.Key {
		t.Fatalf("keys differ: %s, %s", moved.Key, m.Key)
	}
	saveCal(t, s, "cal:rep1", moved)
	got := stored(t, s, id)
	if !got.At.Equal(tmin(50)) || !got.Meeting.Start.Equal(tmin(50)) || !got.Meeting.Instance.Equal(tmin(10)) ||
		got.Link == nil || got.Link.DealID != "D-1" {
		t.Errorf("moved meeting = %+v %+v %+v", got, got.Meeting, got.Link)
	}
	var at int64
	if err := s.read.QueryRow(`SELECT at FROM match_queue WHERE activity_id = ?`, id).Scan(&at); err != nil || at != tmin(50).Unix() {
		t.Errorf("queued at %d (%v), want the new time %d", at, err, tmin(50).Unix())
	}
	if n, _ := s.CountActivities(ctx); n != 1 {
		t.Errorf("%d activities, want 1", n)
	}

	// A changed answer is stored but moves no match; a new attendee does.
	clearQueue(t, s)
	answered := moved
	answered.Participants = slices.Clone(moved.Participants)
	answered.Participants[1].Status = model.PartDeclined
	saveCal(t, s, "cal:rep1", answered)
	if got := stored(t, s, id); got.Participants[1].Status != model.PartDeclined {
		t.Errorf("status = %q, want declined", got.Participants[1].Status)
	}
	if q := queuedIDs(t, s); len(q) != 0 {
		t.Errorf("a changed answer queued %v", q)
	}
	more := answered
	more.Participants = append(slices.Clone(answered.Participants),
		model.Participant{Email: "cfo@acme.example", Role: model.RoleAttendee, Status: model.PartNeedsAction})
	saveCal(t, s, "cal:rep1", more)
	if q := queuedIDs(t, s); !slices.Equal(q, []int64{id}) {
		t.Errorf("a new attendee: queue %v, want the meeting", q)
	}
	if got := stored(t, s, id); !reflect.DeepEqual(got.Participants, more.Participants) {
		t.Errorf("participants = %+v, want %+v", got.Participants, more.Participants)
	}
}

func TestSaveCalendarBatchKeepsCancelledAndAbsent(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	a := meeting("a", 10, 10, 0, "rep1@ourco.example", "cto@acme.example")
	b := meeting("b", 20, 20, 0, "rep1@ourco.example", "cto@acme.example")
	ids := saveCal(t, s, "cal:rep1", a, b)
	cancelled := meeting("a", 10, 10, 1, "rep1@ourco.example", "cto@acme.example")
	cancelled.Meeting.Cancelled = true
	saveCal(t, s, "cal:rep1", cancelled) // b is absent: the feed's window moved on
	all, err := s.Activities(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("Activities = %d, %v; want both meetings kept", len(all), err)
	}
	if got := stored(t, s, ids[a.Key]); !got.Meeting.Cancelled || got.Meeting.Sequence != 1 {
		t.Errorf("cancelled meeting = %+v", got.Meeting)
	}
	if got := stored(t, s, ids[b.Key]); got.Meeting == nil || got.Meeting.Cancelled {
		t.Errorf("absent meeting = %+v", got.Meeting)
	}
}

func TestSaveCalendarBatchLinksAndCatalog(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}))
	m := meeting("u1", 10, 10, 0, "rep1@ourco.example", "cto@acme.example")
	m.Link = &model.Link{DealID: "D-1", State: model.LinkAuto}
	b := CalendarBatch{Source: "cal:rep1", Activities: []model.Activity{m}, CatalogVersion: version(t, s) - 1}
	if err := s.SaveCalendarBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, s, b.Activities[0].ID); got.Link != nil {
		t.Errorf("a link from an older catalog was stored: %+v", got.Link)
	}
	if q := queuedIDs(t, s); !slices.Equal(q, []int64{b.Activities[0].ID}) {
		t.Errorf("queue = %v, want the meeting", q)
	}
	mail := mail("m@x", 1, "m@x", 1, "cto@acme.example")
	if err := s.SaveCalendarBatch(ctx, CalendarBatch{Source: "cal:rep1", Activities: []model.Activity{mail}}); err == nil {
		t.Error("an email in a calendar batch was accepted")
	}
	if err := s.SaveCalendarBatch(ctx, CalendarBatch{Activities: []model.Activity{m}}); err == nil {
		t.Error("a batch without a source was accepted")
	}
}

func TestFeedStateRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	if st, err := s.FeedState(ctx, "cal:rep1"); err != nil || !reflect.DeepEqual(st, model.FeedState{}) {
		t.Fatalf("never stored: %+v, %v", st, err)
	}
	want := model.FeedState{ETag: `"abc"`, LastModified: "Tue, 03 Mar 2026 10:00:00 GMT", BodyHash: "00ff",
		Calendars: map[string]model.CalendarState{"/dav/rep1/work/": {CTag: "c1", SyncToken: "s1",
			Objects: map[string]string{"/dav/rep1/work/a.ics": `"e1"`}}}}
	if err := s.SaveCalendarBatch(ctx, CalendarBatch{Source: "cal:rep1", State: want}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FeedState(ctx, "cal:rep1"); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("FeedState = %+v, %v; want %+v", got, err, want)
	}
	next := model.FeedState{ETag: `"def"`}
	if err := s.SaveCalendarBatch(ctx, CalendarBatch{Source: "cal:rep1", State: next}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FeedState(ctx, "cal:rep1"); err != nil || !reflect.DeepEqual(got, next) {
		t.Errorf("after a second batch: %+v, %v; want %+v", got, err, next)
	}
	if got, err := s.FeedState(ctx, "cal:rep2"); err != nil || !reflect.DeepEqual(got, model.FeedState{}) {
		t.Errorf("another source: %+v, %v", got, err)
	}
}

func TestSaveCalendarBatchIsAtomic(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	before := model.FeedState{ETag: `"old"`}
	if err := s.SaveCalendarBatch(ctx, CalendarBatch{Source: "cal:rep1", State: before}); err != nil {
		t.Fatal(err)
	}
	good := meeting("good", 10, 10, 0, "rep1@ourco.example", "cto@acme.example")
	bad := meeting("bad", 20, 20, 0, "rep1@ourco.example", "cto@acme.example")
	bad.Link = &model.Link{State: model.LinkAuto} // automatic without a deal: refused inside the transaction
	err := s.SaveCalendarBatch(ctx, CalendarBatch{Source: "cal:rep1", Activities: []model.Activity{good, bad},
		State: model.FeedState{ETag: `"new"`}, CatalogVersion: version(t, s)})
	if err == nil {
		t.Fatal("a batch with a bad link succeeded")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.SaveCalendarBatch(cancelled, CalendarBatch{Source: "cal:rep1", Activities: []model.Activity{good},
		State: model.FeedState{ETag: `"new"`}}); err == nil {
		t.Fatal("a cancelled batch succeeded")
	}
	if n, err := s.CountActivities(ctx); err != nil || n != 0 {
		t.Errorf("failed batches left %d activities, %v", n, err)
	}
	if got, err := s.FeedState(ctx, "cal:rep1"); err != nil || !reflect.DeepEqual(got, before) {
		t.Errorf("feed state after failed batches = %+v, %v; want %+v", got, err, before)
	}
	if q := queuedIDs(t, s); len(q) != 0 {
		t.Errorf("failed batches queued %v", q)
	}
}

// TestMailAndMeetingsReadTogether checks that mail and meetings read in
// one list keep their own sightings and details.
func TestMailAndMeetingsReadTogether(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	mailIDs := save(t, s, mail("m@x", 5, "m@x", 1, "cto@acme.example", "rep1@ourco.example"))
	calIDs := saveCal(t, s, "cal:rep1", meeting("u1", 10, 10, 0, "rep1@ourco.example", "cto@acme.example"))
	all, err := s.Activities(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("Activities = %d, %v", len(all), err)
	}
	m, c := all[0], all[1]
	if m.ID != mailIDs["m@x"] || m.Meeting != nil || len(m.Sightings) != 1 || m.Sightings[0].Mailbox != "rep1" ||
		m.Participants[0].Status != "" {
		t.Errorf("mail = %+v", m)
	}
	if c.ID != calIDs["u1/"+tmin(10).Format(time.RFC3339)] || c.Meeting == nil || c.Meeting.UID != "u1" ||
		!slices.Equal(c.Sightings, []model.Sighting{{Calendar: "cal:rep1"}}) {
		t.Errorf("meeting = %+v", c)
	}
}

// TestMigrateFromVersion3KeepsData upgrades a version 3 database holding
// mail, a link and a folder checkpoint to the current schema: the data is
// kept, participants have no answer, and meetings can be stored.
func TestMigrateFromVersion3KeepsData(t *testing.T) {
	ctx := context.Background()
	v1, err := os.ReadFile("testdata/schema_v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v3.db")
	db, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	setup := string(v1) + ";" + migrations[0].sql + ";" + migrations[1].sql
	if _, err := db.Exec(setup + `;
		INSERT INTO activities (id, kind, key, at, direction, subject, created_at) VALUES (1, 'email', 'm1@acme.example', 60, 'inbound', 'Hi', 1);
		INSERT INTO participants (activity_id, email, name, role, pos, rdomain) VALUES
		  (1, 'cto@acme.example', 'CTO', 'from', 0, 'example.acme'), (1, 'rep1@ourco.example', '', 'to', 1, 'example.ourco');
		INSERT INTO sightings (mailbox, folder, uidvalidity, uid, activity_id) VALUES ('rep1', 'INBOX', 7, 3, 1);
		INSERT INTO folders (mailbox, folder, uidvalidity, last_uid, updated_at) VALUES ('rep1', 'INBOX', 7, 3, 1);
		INSERT INTO accounts (id, name) VALUES (1, 'Acme');
		INSERT INTO deals (id, name, account_id, owner, stage, status, created_at) VALUES ('D-1', 'Pilot', 1, 'rep1@ourco.example', 'intro', 'open', 1);
		INSERT INTO links (activity_id, deal_id, state, method, confidence, reason, updated_at) VALUES (1, 'D-1', 'auto', 'domain', 0.85, 'domain', 1);
		UPDATE catalog SET version = 5;
		PRAGMA user_version = 3;`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade from version 3: %v", err)
	}
	defer s.Close()
	fresh, _ := openTest(t)
	if got, want := schemaOf(t, s.read), schemaOf(t, fresh.read); !reflect.DeepEqual(got, want) {
		t.Errorf("upgraded schema differs from schema.sql:\n got  %v\n want %v", got, want)
	}
	want := model.Activity{ID: 1, Kind: model.KindEmail, Key: "m1@acme.example", At: time.Unix(60, 0).UTC(),
		Direction: model.Inbound, Subject: "Hi", References: []string{}, Attachments: []model.Attachment{},
		Participants: []model.Participant{{Email: "cto@acme.example", Name: "CTO", Role: model.RoleFrom},
			{Email: "rep1@ourco.example", Role: model.RoleTo}},
		Sightings: []model.Sighting{{Mailbox: "rep1", Folder: "INBOX", UIDValidity: 7, UID: 3}},
		Link:      &model.Link{DealID: "D-1", State: model.LinkAuto, Method: model.MethodDomain, Confidence: 0.85, Reason: "domain"}}
	if got := stored(t, s, 1); !reflect.DeepEqual(got, want) {
		t.Errorf("after the upgrade:\n got  %+v\n want %+v", got, want)
	}
	if st, err := s.FolderState(ctx, "rep1", "INBOX"); err != nil || st != (model.FolderState{UIDValidity: 7, LastUID: 3}) {
		t.Errorf("checkpoint = %+v, %v", st, err)
	}
	if v := version(t, s); v != 5 {
		t.Errorf("catalog version = %d, want 5", v)
	}
	m := meeting("u1", 10, 10, 0, "rep1@ourco.example", "cto@acme.example")
	id := saveCal(t, s, "cal:rep1", m)[m.Key]
	if got := stored(t, s, id); got.Meeting == nil || got.Participants[1].Status != model.PartAccepted {
		t.Errorf("a meeting stored after the upgrade: %+v", got)
	}
}
