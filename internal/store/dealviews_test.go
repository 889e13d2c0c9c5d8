package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// naiveSummary computes a deal's figures as of now from its activities,
// the slow and obvious way, to check what the store keeps.
func naiveSummary(d model.Deal, acts []model.Activity, now time.Time) DealSummary {
	out := DealSummary{Deal: d}
	later := func(t *time.Time, at time.Time) {
		if at.After(*t) {
			*t = at
		}
	}
	for _, a := range acts {
		switch a.Kind {
		case model.KindEmail:
			out.Emails++
			switch a.Direction {
			case model.Inbound:
				out.Inbound++
				later(&out.LastInbound, a.At)
			case model.Outbound:
				out.Outbound++
				later(&out.LastOutbound, a.At)
			}
		case model.KindMeeting:
			out.Meetings++
			if a.Meeting != nil && !a.Meeting.Cancelled {
				if !a.At.After(now) {
					later(&out.LastMet, a.At)
				} else if out.NextMeeting.IsZero() || a.At.Before(out.NextMeeting) {
					out.NextMeeting = a.At
				}
			}
		case model.KindNote:
			out.Notes++
		case model.KindCall:
			out.Calls++
		}
		if !a.At.After(now) {
			later(&out.LastActivity, a.At)
		}
	}
	return out
}

// checkFigures compares DealSummaries and DealSummary, at several moments,
// with the figures computed from DealActivities, and returns each deal's
// version.
func checkFigures(t *testing.T, s *Store, nows ...time.Time) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	versions := map[string]int64{}
	for _, now := range nows {
		got, err := s.DealSummaries(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		deals, err := s.Deals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(deals) {
			t.Fatalf("DealSummaries lists %d deals, Deals %d", len(got), len(deals))
		}
		for i, d := range deals {
			acts, err := s.DealActivities(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := naiveSummary(d, acts, now)
			g := got[i]
			want.Version = g.Version
			if fmt.Sprint(g) != fmt.Sprint(want) {
				t.Errorf("deal %s at %s:\n got  %+v\n want %+v", d.ID, now.Format(time.TimeOnly), g, want)
			}
			one, err := s.DealSummary(ctx, d.ID, now)
			if err != nil || fmt.Sprint(one) != fmt.Sprint(g) {
				t.Errorf("DealSummary(%s) = %+v, %v\n want %+v", d.ID, one, err, g)
			}
			versions[d.ID] = g.Version
		}
	}
	return versions
}

// batchWith stores activities as a batch of a mailbox's INBOX with the
// current catalog version, so that their links are used.
func batchWith(t *testing.T, s *Store, mailbox string, acts ...model.Activity) map[string]int64 {
	t.Helper()
	for i := range acts {
		for j := range acts[i].Sightings {
			acts[i].Sightings[j].Mailbox = mailbox
		}
	}
	b := FolderBatch{Mailbox: mailbox, Folder: "INBOX", Checkpoint: model.FolderState{UIDValidity: 7, LastUID: 99},
		Activities: acts, CatalogVersion: version(t, s)}
	if err := s.SaveFolderBatch(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, a := range b.Activities {
		ids[a.Key] = a.ID
	}
	return ids
}

// autoOn is an automatic link to deal.
func autoOn(deal string, confidence float64) *model.Link {
	return &model.Link{DealID: deal, State: model.LinkAuto, Method: model.MethodDomain, Confidence: confidence, Reason: "domain"}
}

// linked returns a with the link l.
func linked(a model.Activity, l *model.Link) model.Activity {
	a.Link = l
	return a
}

// outbound returns a sent by the team.
func outbound(a model.Activity) model.Activity {
	a.Direction = model.Outbound
	return a
}

func TestDealFiguresFollowEveryChange(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	clock := tmin(500)
	s.now = func() time.Time { return clock }
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}), deal("D-2", "Acme", []string{"acme.example"}),
		deal("D-3", "Initech", []string{"initech.example"}))
	nows := []time.Time{tmin(-60), tmin(5), tmin(12), tmin(150), tmin(250), tmin(2000)}
	ids := map[string]int64{}
	add := func(m map[string]int64) {
		for k, v := range m {
			ids[k] = v
		}
	}
	past := meeting("past", 10, 10, 0, "rep1@ourco.example", "cto@acme.example")
	future := meeting("future", 200, 200, 0, "rep1@ourco.example", "cto@acme.example")
	dropped := meeting("dropped", 100, 100, 0, "rep1@ourco.example", "cto@initech.example")
	dropped.Meeting.Cancelled = true
	steps := []struct {
		name    string
		do      func(t *testing.T)
		changed []string // deals whose version must grow; the others must not move
	}{
		{"new mail linked as it is stored", func(t *testing.T) {
			add(batchWith(t, s, "rep1",
				linked(mail("a1", 1, "a1", 1, "cto@acme.example"), autoOn("D-1", 0.9)),
				linked(outbound(mail("a2", 3, "a1", 2, "rep1@ourco.example", "cto@acme.example")), autoOn("D-1", 0.9)),
				linked(mail("i1", 2, "i1", 3, "x@initech.example"), autoOn("D-3", 0.9)),
				mail("q1", 4, "q1", 4, "cfo@acme.example"),
				mail("q2", 6, "q2", 5, "cfo@acme.example")))
		}, []string{"D-1", "D-3"}},
		{"the matcher links queued mail", func(t *testing.T) {
			if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["q1"], Link: *autoOn("D-2", 0.7)},
				{ActivityID: ids["q2"], Link: *autoOn("D-2", 0.9)}}); err != nil {
				t.Fatal(err)
			}
		}, []string{"D-2"}},
		{"a rematch moves mail", func(t *testing.T) {
			if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["q1"], Link: *autoOn("D-1", 0.95)},
				{ActivityID: ids["i1"], Link: model.Link{State: model.LinkNone, Reason: "no live deal"}}}); err != nil {
				t.Fatal(err)
			}
		}, []string{"D-1", "D-2", "D-3"}},
		{"meetings past, future and cancelled", func(t *testing.T) {
			b := CalendarBatch{Source: "cal:rep1", CatalogVersion: version(t, s), Activities: []model.Activity{
				linked(past, autoOn("D-1", 0.9)), linked(future, autoOn("D-1", 0.9)), linked(dropped, autoOn("D-3", 0.9))}}
			if err := s.SaveCalendarBatch(ctx, b); err != nil {
				t.Fatal(err)
			}
			for _, a := range b.Activities {
				ids[a.Meeting.UID] = a.ID
			}
		}, []string{"D-1", "D-3"}},
		{"the future meeting moves into the past", func(t *testing.T) {
			moved := meeting("future", 200, 8, 1, "rep1@ourco.example", "cto@acme.example")
			saveCal(t, s, "cal:rep1", moved)
		}, []string{"D-1"}},
		{"the past meeting is cancelled", func(t *testing.T) {
			c := meeting("past", 10, 10, 1, "rep1@ourco.example", "cto@acme.example")
			c.Meeting.Cancelled = true
			saveCal(t, s, "cal:rep1", c)
		}, []string{"D-1"}},
		{"a meeting seen in another calendar", func(t *testing.T) {
			saveCal(t, s, "cal:rep2", meeting("dropped", 100, 100, 0, "rep1@ourco.example", "cto@initech.example"))
		}, []string{"D-3"}},
		{"a person reassigns and unlinks", func(t *testing.T) {
			if _, err := s.Decide(ctx, DecisionInput{Actor: "rep1@ourco.example", Action: model.ActionReassign,
				ActivityIDs: []int64{ids["a2"]}, Link: model.Link{DealID: "D-2", State: model.LinkConfirmed}}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Decide(ctx, DecisionInput{Actor: "rep1@ourco.example", Action: model.ActionUnlink,
				ActivityIDs: []int64{ids["q2"]}, Link: model.Link{State: model.LinkRejected}}); err != nil {
				t.Fatal(err)
			}
		}, []string{"D-1", "D-2"}},
		{"a note and a call", func(t *testing.T) {
			if _, err := s.AddNote(ctx, NoteInput{Kind: model.KindNote, DealID: "D-1", Author: "rep1@ourco.example",
				At: tmin(30), Subject: "Pricing", Body: "They want a discount."}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddNote(ctx, NoteInput{Kind: model.KindCall, DealID: "D-3", Author: "rep1@ourco.example",
				At: tmin(300), Subject: "Call", With: []string{"x@initech.example"}}); err != nil {
				t.Fatal(err)
			}
		}, []string{"D-1", "D-3"}},
		{"a new deal", func(t *testing.T) {
			mustImport(t, s, deal("D-4", "Umbrella", []string{"umbrella.example"}))
		}, []string{"D-4"}},
		{"a deal moves on", func(t *testing.T) {
			d := deal("D-4", "Umbrella", []string{"umbrella.example"})
			d.Stage = "proposal"
			mustImport(t, s, d)
			if sums, err := s.DealSummaries(ctx, clock); err != nil || sums[len(sums)-1].Stage != "proposal" {
				t.Errorf("after a new stage, summaries = %+v, %v", sums, err)
			}
		}, []string{"D-4"}},
		{"a known email seen in another mailbox", func(t *testing.T) {
			batchWith(t, s, "rep2", mail("a1", 1, "a1", 40, "cto@acme.example"))
		}, []string{"D-1"}},
		{"a folder's UIDVALIDITY changes", func(t *testing.T) {
			if err := s.SaveFolderBatch(ctx, FolderBatch{Mailbox: "rep2", Folder: "INBOX",
				Checkpoint: model.FolderState{UIDValidity: 8, LastUID: 1}}); err != nil {
				t.Fatal(err)
			}
		}, []string{"D-1"}},
	}
	versions := checkFigures(t, s, nows...)
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.do(t)
			after := checkFigures(t, s, nows...)
			for id, v := range after {
				if grew := v > versions[id]; grew != slices.Contains(step.changed, id) {
					t.Errorf("deal %s: version %d → %d; want a change only for %v", id, versions[id], v, step.changed)
				}
			}
			versions = after
		})
	}
	got, err := s.DealSummary(ctx, "D-1", tmin(150))
	if err != nil {
		t.Fatal(err)
	}
	// D-1: a1, q1 (emails in), past (cancelled) and future (moved to
	// minute 8), the note at minute 30.
	if got.Emails != 2 || got.Inbound != 2 || got.Outbound != 0 || got.Meetings != 2 || got.Notes != 1 ||
		!got.LastMet.Equal(tmin(8)) || !got.NextMeeting.IsZero() || !got.LastActivity.Equal(tmin(30)) ||
		!got.LastInbound.Equal(tmin(4)) || got.Owner != "rep1@ourco.example" || len(got.Domains) != 1 {
		t.Errorf("D-1 at minute 150 = %+v", got)
	}
	if _, err := s.DealSummary(ctx, "D-9", tmin(0)); !errors.Is(err, ErrNotFound) {
		t.Errorf("DealSummary of an unknown deal: %v, want ErrNotFound", err)
	}
	if _, err := s.DealActivities(ctx, "D-9"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DealActivities of an unknown deal: %v, want ErrNotFound", err)
	}
}

// TestDealFiguresRandomChanges applies many random link changes,
// decisions, meeting moves and notes, and checks the kept figures against
// a recomputation from scratch along the way.
func TestDealFiguresRandomChanges(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	rng := rand.New(rand.NewPCG(1, 2))
	deals := []string{"D-1", "D-2", "D-3", "D-4"}
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}), deal("D-2", "Acme", []string{"acme.example"}),
		deal("D-3", "Initech", []string{"initech.example"}), deal("D-4", "Initech", []string{"initech.example"}))
	var acts []model.Activity
	for i := range 40 {
		a := mail(fmt.Sprintf("m%d", i), rng.IntN(300), fmt.Sprintf("t%d", i%7), uint32(i+1), "x@acme.example")
		if i%3 == 0 {
			a = outbound(a)
		}
		acts = append(acts, a)
	}
	ids := save(t, s, acts...)
	var meetings []int64
	for i := range 10 {
		m := meeting(fmt.Sprintf("u%d", i), 10*i, 10*i, 0, "rep1@ourco.example", "cto@acme.example")
		meetings = append(meetings, saveCal(t, s, "cal:rep1", m)[m.Key])
	}
	all := slices.Clone(meetings)
	for _, id := range ids {
		all = append(all, id)
	}
	slices.Sort(all)
	seqs := map[string]int{}
	for round := range 150 {
		switch op := rng.IntN(10); {
		case op < 5:
			var updates []LinkUpdate
			for range 1 + rng.IntN(6) {
				l := model.Link{State: model.LinkNone}
				if rng.IntN(4) > 0 {
					l = *autoOn(deals[rng.IntN(len(deals))], rng.Float64())
				}
				updates = append(updates, LinkUpdate{ActivityID: all[rng.IntN(len(all))], Link: l})
			}
			if _, err := s.SaveLinks(ctx, updates); err != nil {
				t.Fatal(err)
			}
		case op < 7:
			l := model.Link{DealID: deals[rng.IntN(len(deals))], State: model.LinkConfirmed}
			if rng.IntN(3) == 0 {
				l = model.Link{State: model.LinkRejected}
			}
			if _, err := s.Decide(ctx, DecisionInput{Actor: "rep1@ourco.example", Action: model.ActionReassign,
				ActivityIDs: []int64{all[rng.IntN(len(all))]}, Link: l}); err != nil && !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
		case op < 9:
			i := rng.IntN(len(meetings))
			uid := fmt.Sprintf("u%d", i)
			seqs[uid]++
			m := meeting(uid, 10*i, rng.IntN(400), seqs[uid], "rep1@ourco.example", "cto@acme.example")
			m.Meeting.Cancelled = rng.IntN(3) == 0
			saveCal(t, s, "cal:rep1", m)
		default:
			if _, err := s.AddNote(ctx, NoteInput{Kind: model.KindCall, DealID: deals[rng.IntN(len(deals))],
				Author: "rep1@ourco.example", At: tmin(rng.IntN(400)), Subject: "call"}); err != nil {
				t.Fatal(err)
			}
		}
		if round%25 == 24 {
			checkFigures(t, s, tmin(-1), tmin(rng.IntN(400)), tmin(150), tmin(1000))
		}
	}
}
