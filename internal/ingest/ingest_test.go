package ingest

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

type recordingStore struct {
	batches   []store.FolderBatch
	calendars []store.CalendarBatch
}

func (r *recordingStore) SaveFolderBatch(_ context.Context, b store.FolderBatch) error {
	r.batches = append(r.batches, b)
	return nil
}

// countingLinker counts the drains of the match queue and links every
// new activity to deal D-1.
type countingLinker struct{ drains int }

func (c *countingLinker) MatchNew(_ context.Context, acts []model.Activity, save func(int64) error) error {
	for i := range acts {
		acts[i].Link = &model.Link{DealID: "D-1", State: model.LinkAuto}
	}
	return save(7)
}

func (c *countingLinker) Drain(context.Context) (linker.Summary, error) {
	c.drains++
	return linker.Summary{}, nil
}

func msg(key, from string, to ...string) model.Message {
	m := model.Message{Key: key, Participants: []model.Participant{{Email: from, Role: model.RoleFrom}}}
	for _, addr := range to {
		m.Participants = append(m.Participants, model.Participant{Email: addr, Role: model.RoleTo})
	}
	return m
}

func TestSaveMailBatch(t *testing.T) {
	rec := &recordingStore{}
	lk := &countingLinker{}
	in := New(rec, model.NewTeam([]string{"ourco.example"}, []string{"rep1@ourco.example"}), lk, slog.New(slog.DiscardHandler))
	internalDate := time.Date(2026, 2, 3, 4, 5, 6, 0, time.FixedZone("CET", 3600))
	reply := msg("r@x", "buyer@acme.example", "rep1@ourco.example")
	reply.References = []string{"root@x", "mid@x"}
	reply.InReplyTo = "mid@x"
	reply.Date = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	b := model.MailBatch{Mailbox: "rep1", Folder: "INBOX", UIDValidity: 9, LastUID: 30,
		Messages: []model.FetchedMessage{
			{UID: 10, InternalDate: internalDate, Message: msg("out@x", "rep1@ourco.example", "buyer@acme.example")},
			{UID: 11, InternalDate: internalDate, Message: msg("chat@x", "rep1@ourco.example", "rep2@ourco.example")},
			{UID: 12, InternalDate: internalDate, Message: reply},
		},
		Rejected: []model.RejectedMessage{{UID: 20, Reason: "empty"}},
	}
	if err := in.SaveMailBatch(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if len(rec.batches) != 1 || lk.drains != 1 {
		t.Fatalf("%d batches stored and %d drains of the match queue, want 1 each", len(rec.batches), lk.drains)
	}
	got := rec.batches[0]
	if got.Checkpoint != (model.FolderState{UIDValidity: 9, LastUID: 30}) || len(got.Rejected) != 1 {
		t.Errorf("checkpoint %+v rejected %v", got.Checkpoint, got.Rejected)
	}
	if len(got.Activities) != 2 {
		t.Fatalf("stored %d activities, want 2 (internal chat left out)", len(got.Activities))
	}
	if got.CatalogVersion != 7 || got.Activities[0].Link == nil || got.Activities[0].Link.DealID != "D-1" {
		t.Errorf("catalog version %d, link %+v: want the linker's links and version", got.CatalogVersion, got.Activities[0].Link)
	}
	out, in2 := got.Activities[0], got.Activities[1]
	if out.Direction != model.Outbound || !out.At.Equal(internalDate) || out.At.Location() != time.UTC || out.ThreadKey != "out@x" {
		t.Errorf("outbound activity = %+v", out)
	}
	if out.Sightings[0] != (model.Sighting{Mailbox: "rep1", Folder: "INBOX", UIDValidity: 9, UID: 10}) {
		t.Errorf("sighting = %+v", out.Sightings)
	}
	if in2.Direction != model.Inbound || !in2.At.Equal(reply.Date) || in2.ThreadKey != "root@x" {
		t.Errorf("reply activity = %+v", in2)
	}
}

func TestKeeps(t *testing.T) {
	in := New(&recordingStore{}, model.NewTeam([]string{"ourco.example"}, nil), &countingLinker{}, slog.New(slog.DiscardHandler))
	for _, tc := range []struct {
		m    model.Message
		want bool
	}{
		{msg("a@x", "rep1@ourco.example", "rep2@ourco.example"), false},
		{msg("b@x", "rep1@ourco.example", "rep2@sales.ourco.example", "buyer@acme.example"), true},
		{msg("c@x", "buyer@acme.example", "rep1@ourco.example"), true},
	} {
		if got := in.Keeps(tc.m); got != tc.want {
			t.Errorf("Keeps(%v) = %v, want %v", tc.m.Participants, got, tc.want)
		}
	}
}

// TestInvitationsInMail checks that the meetings of an invitation that
// came by mail are stored as seen in the mailbox's invitations, beside the
// email, and that an unreadable invitation leaves the email stored.
func TestInvitationsInMail(t *testing.T) {
	rec := &recordingStore{}
	lk := &countingLinker{}
	in := New(rec, model.NewTeam([]string{"ourco.example"}, nil), lk, slog.New(slog.DiscardHandler))
	start := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	in.ReadInvites(func(data []byte) ([]model.Occurrence, error) {
		if string(data) != "BEGIN:VCALENDAR" {
			return nil, errors.New("not iCalendar")
		}
		return []model.Occurrence{{Meeting: model.Meeting{UID: "demo@acme.example", Instance: start, Start: start, End: start.Add(time.Hour)},
			Summary: "Demo", Participants: []model.Participant{
				{Email: "buyer@acme.example", Role: model.RoleOrganizer},
				{Email: "rep1@ourco.example", Role: model.RoleAttendee, Status: model.PartAccepted}}}}, nil
	})
	invite := msg("invite@acme.example", "buyer@acme.example", "rep1@ourco.example")
	invite.Calendars = [][]byte{[]byte("BEGIN:VCALENDAR"), []byte("garbage")}
	b := model.MailBatch{Mailbox: "rep1", Folder: "INBOX", UIDValidity: 1, LastUID: 1,
		Messages: []model.FetchedMessage{{UID: 1, Message: invite}}}
	if err := in.SaveMailBatch(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if len(rec.batches) != 1 || len(rec.batches[0].Activities) != 1 {
		t.Fatalf("folder batches = %+v, want the email stored", rec.batches)
	}
	if len(rec.calendars) != 1 || rec.calendars[0].Source != InviteSource("rep1") || len(rec.calendars[0].Activities) != 1 {
		t.Fatalf("calendar batches = %+v, want one meeting from rep1's invitations", rec.calendars)
	}
	if lk.drains != 1 {
		t.Errorf("%d drains of the match queue, want 1 for the mail and its invitations", lk.drains)
	}
	m := rec.calendars[0].Activities[0]
	if m.Kind != model.KindMeeting || m.Key != "demo@acme.example/2026-03-03T09:00:00Z" || m.Direction != model.Inbound {
		t.Errorf("meeting = %+v", m)
	}
}
