package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestAddNote(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	now := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}))

	call, err := s.AddNote(ctx, NoteInput{Kind: model.KindCall, DealID: "D-1", Author: " Rep1@ourco.example", At: tmin(30),
		Subject: "Budget call", Body: "They have budget in Q3.", With: []string{"CTO@acme.example", "", "cto@acme.example"}})
	if err != nil {
		t.Fatal(err)
	}
	want := model.Activity{ID: call.ID, Kind: model.KindCall, Key: call.Key, At: tmin(30), Direction: model.Outbound,
		Subject: "Budget call", Snippet: "They have budget in Q3.", References: []string{}, Attachments: []model.Attachment{},
		Participants: []model.Participant{{Email: "rep1@ourco.example", Role: model.RoleFrom}, {Email: "cto@acme.example", Role: model.RoleTo}},
		Link: &model.Link{DealID: "D-1", State: model.LinkConfirmed, Method: model.MethodManual, Confidence: 1,
			Reason: "added by rep1@ourco.example", DecidedBy: "rep1@ourco.example", DecidedAt: now}}
	if !reflect.DeepEqual(call, want) {
		t.Errorf("call = %+v\nwant %+v", call, want)
	}
	if !strings.HasPrefix(call.Key, "note:") || len(call.Key) != len("note:")+32 {
		t.Errorf("key %q, want note: and 32 hex digits", call.Key)
	}
	if got := stored(t, s, call.ID); !reflect.DeepEqual(got, call) {
		t.Errorf("stored = %+v\nwant %+v", got, call)
	}
	note, err := s.AddNote(ctx, NoteInput{Kind: model.KindNote, DealID: "D-1", Author: "rep1@ourco.example", Body: "Met at the fair."})
	if err != nil {
		t.Fatal(err)
	}
	if note.Direction != model.Internal || !note.At.Equal(now) || note.Key == call.Key {
		t.Errorf("note = %+v; want internal, at now, its own key", note)
	}
	rows, err := s.Decisions(ctx, DecisionFilter{DealID: "D-1"})
	if err != nil || len(rows) != 2 {
		t.Fatalf("audit rows = %+v, %v", rows, err)
	}
	wantRow := model.Decision{ID: rows[1].ID, At: now, Actor: "rep1@ourco.example", Action: model.ActionCall, ActivityID: call.ID,
		AfterDeal: "D-1", AfterState: model.LinkConfirmed, Detail: "Budget call"}
	if rows[1] != wantRow || rows[0].Action != model.ActionNote {
		t.Errorf("audit rows = %+v\nwant %+v and a note", rows, wantRow)
	}
	if q := queuedIDs(t, s); len(q) != 0 {
		t.Errorf("notes were queued for matching: %v", q)
	}
	sum, err := s.DealSummary(ctx, "D-1", now)
	if err != nil || sum.Notes != 1 || sum.Calls != 1 || !sum.LastActivity.Equal(now) {
		t.Errorf("summary = %+v, %v", sum, err)
	}

	for _, tc := range []struct {
		in   NoteInput
		want string
	}{
		{NoteInput{Kind: model.KindEmail, DealID: "D-1", Author: "a@ourco.example", Body: "x"}, `kind "email"`},
		{NoteInput{Kind: model.KindNote, DealID: "D-1", Author: "a@ourco.example", Body: strings.Repeat("é", 4001)}, "longer than 4000"},
		{NoteInput{Kind: model.KindNote, DealID: "D-1", Author: "a@ourco.example"}, "a subject or a body"},
		{NoteInput{Kind: model.KindNote, DealID: "D-1", Author: "nobody", Body: "x"}, "not an email address"},
		{NoteInput{Kind: model.KindCall, DealID: "D-1", Author: "a@ourco.example", Body: "x", With: []string{"bob"}}, `"bob"`},
	} {
		if _, err := s.AddNote(ctx, tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("AddNote(%+v) = %v, want an error saying %q", tc.in, err, tc.want)
		}
	}
	if _, err := s.AddNote(ctx, NoteInput{Kind: model.KindNote, DealID: "D-1", Author: "a@ourco.example", Body: strings.Repeat("é", 4000)}); err != nil {
		t.Errorf("a body of 4,000 characters: %v", err)
	}
	if _, err := s.AddNote(ctx, NoteInput{Kind: model.KindNote, DealID: "D-9", Author: "a@ourco.example", Body: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a note on an unknown deal: %v, want ErrNotFound", err)
	}
	if n, err := s.CountActivities(ctx); err != nil || n != 3 {
		t.Errorf("%d activities (%v), want 3: refused notes leave nothing", n, err)
	}
}
