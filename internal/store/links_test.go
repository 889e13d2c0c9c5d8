package store

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// updatedAt returns links.updated_at of an activity, or -1 without a link.
func updatedAt(t *testing.T, s *Store, id int64) int64 {
	t.Helper()
	var at int64 = -1
	_ = s.read.QueryRow(`SELECT updated_at FROM links WHERE activity_id = ?`, id).Scan(&at)
	return at
}

func TestSaveLinks(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	clock := int64(1000)
	s.now = func() time.Time { clock++; return time.Unix(clock, 0) }
	ids := save(t, s,
		mail("root", 1, "root", 1, "a@acme.example"),
		mail("reply", 2, "root", 2, "a@acme.example"),
		mail("reply2", 3, "root", 3, "a@acme.example"),
		mail("alone", 4, "alone", 4, "b@acme.example"))
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}), deal("D-2", "Acme", []string{"acme.example"}))
	pending, err := s.Pending(ctx, 10)
	if err != nil || len(pending) != 4 {
		t.Fatalf("pending = %d, %v", len(pending), err)
	}
	seqs := map[int64]int64{}
	for _, p := range pending {
		seqs[p.Activity.ID] = p.Seq
	}
	root := model.Link{DealID: "D-1", State: model.LinkAuto, Method: model.MethodDomain, Confidence: 0.8,
		Reason: "domain acme.example → Acme", Candidates: []string{"D-2"}}
	review := model.Link{State: model.LinkReview, Method: model.MethodDomain, Reason: "2 deals", Candidates: []string{"D-1", "D-2"}}

	// "alone" was queued again after the matcher read it: it survives.
	if err := s.Enqueue(ctx, []int64{ids["alone"]}); err != nil {
		t.Fatal(err)
	}
	changes, err := s.SaveLinks(ctx, []LinkUpdate{
		{ActivityID: ids["root"], Seq: seqs[ids["root"]], Link: root},
		{ActivityID: ids["alone"], Seq: seqs[ids["alone"]], Link: review},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []LinkChange{{ActivityID: ids["root"], After: root}, {ActivityID: ids["alone"], After: review}}
	if !reflect.DeepEqual(changes, want) {
		t.Errorf("changes = %+v\nwant %+v", changes, want)
	}
	// root is dequeued; its thread mates are queued (again); alone
	// survives with its newer seq.
	if got := queuedIDs(t, s); !slices.Equal(got, idsOf(ids, "reply", "reply2", "alone")) {
		t.Errorf("queue after save = %v", got)
	}
	if q := queue(t, s); q[ids["reply"]] <= seqs[ids["reply"]] {
		t.Errorf("a thread mate's seq did not grow: %d <= %d", q[ids["reply"]], seqs[ids["reply"]])
	}
	a, err := s.Activity(ctx, ids["root"])
	if err != nil || !reflect.DeepEqual(a.Link, &root) {
		t.Errorf("stored link = %+v, %v; want %+v", a.Link, err, root)
	}

	// The same links again write nothing and change nothing.
	stamp := updatedAt(t, s, ids["root"])
	clearQueue(t, s)
	changes, err = s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["root"], Link: root}, {ActivityID: ids["alone"], Link: review}})
	if err != nil || len(changes) != 0 {
		t.Errorf("no-op save: %+v, %v", changes, err)
	}
	if updatedAt(t, s, ids["root"]) != stamp || len(queuedIDs(t, s)) != 0 {
		t.Errorf("a no-op save wrote: updated_at %d (was %d), queue %v", updatedAt(t, s, ids["root"]), stamp, queuedIDs(t, s))
	}

	// A new reason alone is written but is not a change and queues nothing.
	root.Reason = "reworded"
	changes, err = s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["root"], Link: root}})
	if err != nil || len(changes) != 0 || updatedAt(t, s, ids["root"]) == stamp || len(queuedIDs(t, s)) != 0 {
		t.Errorf("reason change: %+v, %v, queue %v", changes, err, queuedIDs(t, s))
	}

	// A human decision stands against the matcher.
	if _, err := s.Decide(ctx, DecisionInput{Actor: "rep1@ourco.example", Action: model.ActionReassign,
		ActivityIDs: []int64{ids["reply"]}, Link: model.Link{DealID: "D-2", State: model.LinkConfirmed}}); err != nil {
		t.Fatal(err)
	}
	human, err := s.Activity(ctx, ids["reply"])
	if err != nil || human.Link == nil {
		t.Fatalf("the decided reply: %+v, %v", human.Link, err)
	}
	clearQueue(t, s)
	if err := s.Enqueue(ctx, []int64{ids["reply"]}); err != nil {
		t.Fatal(err)
	}
	seq := queue(t, s)[ids["reply"]]
	changes, err = s.SaveLinks(ctx, []LinkUpdate{
		{ActivityID: ids["reply"], Seq: seq, Link: root},
		{ActivityID: ids["reply"], Link: *human.Link}, // the matcher passing the decision through
	})
	if err != nil || len(changes) != 0 {
		t.Errorf("saving over a human decision: %+v, %v", changes, err)
	}
	if after, err := s.Activity(ctx, ids["reply"]); err != nil || !reflect.DeepEqual(after.Link, human.Link) {
		t.Errorf("the matcher overwrote a human decision: %+v (%v), was %+v", after.Link, err, human.Link)
	}
	if got := queuedIDs(t, s); len(got) != 0 {
		t.Errorf("a human decision's queue row with a matching seq was kept: %v", got)
	}
}

func TestSaveLinksRefusesBadLinks(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	ids := save(t, s, mail("a", 1, "a", 1, "x@acme.example"))
	for _, l := range []model.Link{
		{State: model.LinkAuto},
		{DealID: "D-1", State: model.LinkNone},
		{DealID: "D-1", State: model.LinkConfirmed},
		{State: "maybe"},
	} {
		if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["a"], Link: l}}); err == nil ||
			!strings.Contains(err.Error(), "activity") {
			t.Errorf("SaveLinks(%+v) = %v, want a refusal naming the activity", l, err)
		}
	}
	// An unknown deal fails the whole batch.
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["a"], Link: model.Link{DealID: "nope", State: model.LinkAuto}}}); err == nil {
		t.Error("a link to an unknown deal was saved")
	}
	if a, err := s.Activity(ctx, ids["a"]); err != nil || a.Link != nil {
		t.Errorf("a refused batch wrote %+v, %v", a.Link, err)
	}
}

func TestSaveLinksInvalidUTF8IsStable(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	ids := save(t, s, mail("a", 1, "a", 1, "x@acme.example"))
	l := model.Link{State: model.LinkReview, Reason: "bad \xff byte \x01, \"quoted\"", Candidates: []string{"D\xfe"}}
	if ch, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["a"], Link: l}}); err != nil || len(ch) != 1 {
		t.Fatalf("first save: %+v, %v", ch, err)
	}
	stamp := updatedAt(t, s, ids["a"])
	s.now = func() time.Time { return time.Unix(stamp+100, 0) }
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["a"], Link: l}}); err != nil {
		t.Fatal(err)
	}
	if got := updatedAt(t, s, ids["a"]); got != stamp {
		t.Errorf("saving the same invalid UTF-8 link again rewrote it (updated_at %d, was %d)", got, stamp)
	}
	if a, _ := s.Activity(ctx, ids["a"]); a.Link.Reason != "bad \ufffd byte \x01, \"quoted\"" || a.Link.Candidates[0] != "D\ufffd" {
		t.Errorf("stored link = %+v", a.Link)
	}
	if l.Candidates[0] != "D\xfe" {
		t.Error("SaveLinks changed its caller's candidates")
	}
}

// TestSaveLinksQueuesOnlyMatesOffTheDeal checks that a thread synced
// message by message is not matched over and over: a new link queues only
// the thread mates that are not already on its deal, and a change of state
// alone (no deal before or after) queues nothing.
func TestSaveLinksQueuesOnlyMatesOffTheDeal(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	ids := save(t, s,
		mail("root", 1, "root", 1, "a@acme.example"),
		mail("reply", 2, "root", 2, "a@acme.example"),
		mail("lawyer", 3, "root", 3, "l@law.example"),
		mail("cold", 4, "cold", 4, "x@nowhere.example"),
		mail("cold-reply", 5, "cold", 5, "x@nowhere.example"))
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}), deal("D-2", "Acme", []string{"acme.example"}))
	on := func(deal string) model.Link {
		return model.Link{DealID: deal, State: model.LinkAuto, Method: model.MethodDomain, Confidence: 0.85, Reason: "domain"}
	}
	none := model.Link{State: model.LinkNone, Reason: "no account"}
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["reply"], Link: on("D-1")}, {ActivityID: ids["cold"], Link: none}}); err != nil {
		t.Fatal(err)
	}
	clearQueue(t, s)
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["root"], Link: on("D-1")}, {ActivityID: ids["cold-reply"], Link: none}}); err != nil {
		t.Fatal(err)
	}
	if got := queuedIDs(t, s); !slices.Equal(got, idsOf(ids, "lawyer")) {
		t.Errorf("queued %v, want only the lawyer's reply (reply is on D-1 already; none to none moves nothing)", got)
	}
	clearQueue(t, s)
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["root"], Link: on("D-2")}}); err != nil {
		t.Fatal(err)
	}
	if got := queuedIDs(t, s); !slices.Equal(got, idsOf(ids, "reply", "lawyer")) {
		t.Errorf("after the root moved to D-2, queued %v, want reply and lawyer", got)
	}
}
