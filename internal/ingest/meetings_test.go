package ingest

import (
	"context"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/mailparse"
	"github.com/dealtrail/dealtrail/internal/match"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

func (r *recordingStore) SaveCalendarBatch(_ context.Context, b store.CalendarBatch) error {
	r.calendars = append(r.calendars, b)
	return nil
}

// occurrence is a single event of uid at start, organized by organizer
// (none when "") with these attendees, who accepted.
func occurrence(uid string, start time.Time, organizer string, attendees ...string) model.Occurrence {
	o := model.Occurrence{Meeting: model.Meeting{UID: uid, Instance: start, Start: start, End: start.Add(time.Hour)},
		Summary: "Meeting " + uid}
	if organizer != "" {
		o.Participants = append(o.Participants, model.Participant{Email: organizer, Role: model.RoleOrganizer})
	}
	for _, a := range attendees {
		o.Participants = append(o.Participants, model.Participant{Email: a, Role: model.RoleAttendee, Status: model.PartAccepted})
	}
	return o
}

func TestSaveCalendar(t *testing.T) {
	rec := &recordingStore{}
	lk := &countingLinker{}
	in := New(rec, model.NewTeam([]string{"ourco.example"}, []string{"rep1@ourco.example"}), lk, slog.New(slog.DiscardHandler))
	cet := time.FixedZone("CET", 3600)
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, cet)

	inbound := occurrence("buyer-call", start, "cto@acme.example", "rep1@ourco.example")
	// The organizer listed after an attendee is put first.
	inbound.Participants[0], inbound.Participants[1] = inbound.Participants[1], inbound.Participants[0]
	inbound.Description = "Agenda:\n\t1. pricing\r\n\n2. rollout  "
	inbound.Location, inbound.Sequence = "Room 4", 3
	moved := occurrence("weekly", start.Add(48*time.Hour), "rep1@ourco.example", "buyer@acme.example")
	moved.Instance = start.Add(24 * time.Hour) // the occurrence's original start
	state := model.FeedState{ETag: `"e2"`, BodyHash: "ab12"}
	b := model.CalendarBatch{Source: "cal:rep1", State: state, Occurrences: []model.Occurrence{
		inbound,
		moved,
		occurrence("standup", start, "rep1@ourco.example", "rep2@ourco.example"),
		occurrence("focus", start, "cto@acme.example", "cto@acme.example"),
		occurrence("", start, "cto@acme.example", "rep1@ourco.example"),
		occurrence("no-one", start, ""),
	}}
	if err := in.SaveCalendar(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if len(rec.calendars) != 1 || len(rec.batches) != 0 || lk.drains != 1 {
		t.Fatalf("%d calendar batches, %d folder batches, %d drains; want 1, 0, 1", len(rec.calendars), len(rec.batches), lk.drains)
	}
	got := rec.calendars[0]
	if got.Source != "cal:rep1" || !reflect.DeepEqual(got.State, state) || got.CatalogVersion != 7 {
		t.Errorf("batch source %q state %+v version %d", got.Source, got.State, got.CatalogVersion)
	}
	if len(got.Activities) != 2 {
		t.Fatalf("stored %d activities, want 2 (internal, organizer-only, uid-less and empty left out)", len(got.Activities))
	}
	a := got.Activities[0]
	wantMeeting := &model.Meeting{UID: "buyer-call", Instance: start.UTC(), Start: start.UTC(), End: start.Add(time.Hour).UTC(),
		Location: "Room 4", Sequence: 3}
	want := model.Activity{Kind: model.KindMeeting, Key: "buyer-call/2026-03-02T09:00:00Z", At: start.UTC(),
		Direction: model.Inbound, Subject: "Meeting buyer-call", Snippet: "Agenda: 1. pricing 2. rollout",
		Participants: []model.Participant{{Email: "cto@acme.example", Role: model.RoleOrganizer},
			{Email: "rep1@ourco.example", Role: model.RoleAttendee, Status: model.PartAccepted}},
		Sightings: []model.Sighting{{Calendar: "cal:rep1"}},
		Link:      &model.Link{DealID: "D-1", State: model.LinkAuto},
		Meeting:   wantMeeting}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("inbound meeting:\n got  %+v %+v\n want %+v %+v", a, a.Meeting, want, want.Meeting)
	}
	if a.At.Location() != time.UTC {
		t.Errorf("at %v is not in UTC", a.At)
	}
	o := got.Activities[1]
	if o.Direction != model.Outbound || o.Key != "weekly/2026-03-03T09:00:00Z" || !o.At.Equal(start.Add(48*time.Hour)) {
		t.Errorf("moved outbound meeting = %+v", o)
	}
	// The caller's occurrence is not changed.
	if b.Occurrences[0].Participants[0].Role != model.RoleAttendee {
		t.Errorf("the batch's participants were reordered in place")
	}
}

func TestSaveCalendarLeftOutStillSavesState(t *testing.T) {
	rec := &recordingStore{}
	in := New(rec, model.NewTeam([]string{"ourco.example"}, nil), &countingLinker{}, slog.New(slog.DiscardHandler))
	state := model.FeedState{ETag: `"e3"`}
	err := in.SaveCalendar(context.Background(), model.CalendarBatch{Source: "cal:rep1", State: state,
		Occurrences: []model.Occurrence{occurrence("1:1", time.Now(), "rep1@ourco.example", "rep2@ourco.example")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.calendars) != 1 || len(rec.calendars[0].Activities) != 0 || !reflect.DeepEqual(rec.calendars[0].State, state) {
		t.Errorf("calendar batches = %+v, want one with the state and no activity", rec.calendars)
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("word ", 100)
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"  \n\t ", ""},
		{"Join:\r\n  https://meet.example/x\u00a0\u00a0now\x00!", "Join: https://meet.example/x now !"},
		{"bad \xff byte", "bad byte"},
		{"0123456789 abc", "0123456789 abc"},
	} {
		if got := snippet(tc.in, 100); got != tc.want {
			t.Errorf("snippet(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"0123456789", "0123456789"},       // exactly the limit
		{"01234 6789 abc", "01234 6789"},   // a word ends at the limit
		{"012 4567 9abcdef", "012 4567"},   // a cut word is dropped
		{"0 23456789abcdef", "0 23456789"}, // unless that drops more than half
		{"0123456789abcdef", "0123456789"},
	} {
		if got := snippet(tc.in, 10); got != tc.want {
			t.Errorf("snippet(%q, 10) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := snippet(long, mailparse.DefaultSnippetLen)
	if n := utf8.RuneCountInString(got); n > mailparse.DefaultSnippetLen || n < mailparse.DefaultSnippetLen-5 || strings.HasSuffix(got, " ") {
		t.Errorf("long snippet has %d runes: %q", n, got)
	}
}

// TestSaveCalendarMatchesWithCalendarOwners runs meetings through a real
// store and linker: the same meeting in three calendars is one activity,
// and the calendar's owner decides between two deals of one company, as a
// mailbox's owner does for mail.
func TestSaveCalendarMatchesWithCalendarOwners(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const rep1, rep2 = "rep1@ourco.example", "rep2@ourco.example"
	team := model.NewTeam([]string{"ourco.example"}, []string{rep1, rep2})
	lk := linker.New(linker.Options{Store: st, Match: match.Config{Team: team, Lookback: 30 * 24 * time.Hour},
		Owners: map[string]string{"cal:rep1": rep1, "cal:rep2": rep2}})
	in := New(st, team, lk, slog.New(slog.DiscardHandler))
	created := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	if _, err := st.ImportDeals(ctx, []model.Deal{
		{ID: "D-1", Name: "Pilot", Account: "Acme", Domains: []string{"acme.example"}, Owner: rep1, Stage: "intro", Status: model.DealOpen, Created: created},
		{ID: "D-2", Name: "Rollout", Account: "Acme", Domains: []string{"acme.example"}, Owner: rep2, Stage: "intro", Status: model.DealOpen, Created: created},
	}); err != nil {
		t.Fatal(err)
	}
	// The buyer invites the team's shared address; only rep2's calendar
	// holds the meeting at first.
	o := occurrence("demo", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), "cto@acme.example", "sales@ourco.example")
	if err := in.SaveCalendar(ctx, model.CalendarBatch{Source: "cal:rep2", Occurrences: []model.Occurrence{o}}); err != nil {
		t.Fatal(err)
	}
	acts, err := st.Activities(ctx)
	if err != nil || len(acts) != 1 {
		t.Fatalf("Activities = %d, %v", len(acts), err)
	}
	if l := acts[0].Link; l == nil || l.DealID != "D-2" || l.State != model.LinkAuto {
		t.Errorf("seen by rep2 only: link %+v, want D-2", l)
	}
	// rep1's calendar and a calendar nobody owns hold it too: one
	// activity; with both owners it is a question for a person.
	for _, source := range []string{"cal:rep1", "cal:shared"} {
		if err := in.SaveCalendar(ctx, model.CalendarBatch{Source: source, Occurrences: []model.Occurrence{o}}); err != nil {
			t.Fatal(err)
		}
	}
	acts, err = st.Activities(ctx)
	if err != nil || len(acts) != 1 || len(acts[0].Sightings) != 3 {
		t.Fatalf("Activities = %+v, %v; want one meeting seen in three calendars", acts, err)
	}
	if l := acts[0].Link; l == nil || l.State != model.LinkReview || len(l.Candidates) != 2 {
		t.Errorf("seen by both owners: link %+v, want a review between D-1 and D-2", l)
	}
	if n, err := st.QueueLength(ctx); err != nil || n != 0 {
		t.Errorf("queue length %d, %v; want drained", n, err)
	}
}
