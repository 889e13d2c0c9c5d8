package store

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestSaveFolderBatchEnqueues(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	ids := save(t, s, mail("a@x", 1, "a@x", 1, "buyer@acme.example", "rep1@ourco.example"),
		mail("b@x", 2, "a@x", 2, "buyer@acme.example"))
	first := queue(t, s)
	if got, want := queuedIDs(t, s), idsOf(ids, "a@x", "b@x"); !slices.Equal(got, want) {
		t.Fatalf("after the first batch the queue holds %v, want %v", got, want)
	}

	// A repeated sighting queues nothing; a new sighting of a known
	// activity queues it again, with a larger seq.
	clearQueue(t, s)
	save(t, s, mail("a@x", 1, "a@x", 1, "buyer@acme.example", "rep1@ourco.example"))
	if got := queuedIDs(t, s); len(got) != 0 {
		t.Errorf("a repeated sighting queued %v", got)
	}
	if _, err := s.write.Exec(`INSERT INTO match_queue (activity_id, seq, at) VALUES (?, ?, 0)`, ids["a@x"], first[ids["a@x"]]); err != nil {
		t.Fatal(err)
	}
	seen := mail("a@x", 1, "a@x", 9, "buyer@acme.example")
	seen.Sightings[0].Mailbox = "rep2"
	if err := s.SaveFolderBatch(ctx, FolderBatch{Mailbox: "rep2", Folder: "INBOX", Checkpoint: model.FolderState{UIDValidity: 7, LastUID: 9},
		Activities: []model.Activity{seen}}); err != nil {
		t.Fatal(err)
	}
	q := queue(t, s)
	if len(q) != 1 || q[ids["a@x"]] <= first[ids["a@x"]] {
		t.Errorf("a new sighting: queue %v, want a@x with seq above %d", q, first[ids["a@x"]])
	}

	// Participants get their reversed domain.
	var r string
	if err := s.read.QueryRow(`SELECT rdomain FROM participants WHERE email = 'buyer@acme.example' LIMIT 1`).Scan(&r); err != nil || r != "example.acme" {
		t.Errorf("rdomain = %q, %v", r, err)
	}
}

func TestEnqueueAffected(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	ids := save(t, s,
		mail("top", 1, "top", 1, "a@acme.example"),
		mail("sub", 2, "sub", 2, "b@eu.mail.acme.example"),
		mail("lookalike", 3, "lookalike", 3, "c@notacme.example", "d@acme.example.org"),
		mail("contact", 4, "contact", 4, "cto@gmail.example"),
		mail("linked", 5, "linked", 5, "e@other.example"),
		mail("none", 6, "none", 6, "f@other.example"))
	mustImport(t, s, deal("D-1", "Other", []string{"other.example"}))
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["linked"], Link: model.Link{DealID: "D-1", State: model.LinkAuto}}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		a    Affects
		want []string
	}{
		{"domain and subdomains", Affects{Domains: []string{"acme.example"}}, []string{"top", "sub"}},
		{"subdomain only", Affects{Domains: []string{"Mail.Acme.Example"}}, []string{"sub"}},
		{"address", Affects{Addresses: []string{"CTO@gmail.example"}}, []string{"contact"}},
		{"deal", Affects{Deals: []string{"D-1"}}, []string{"linked"}},
		{"all three", Affects{Addresses: []string{"cto@gmail.example"}, Domains: []string{"acme.example"}, Deals: []string{"D-1"}},
			[]string{"top", "sub", "contact", "linked"}},
		{"nothing", Affects{}, nil},
	} {
		clearQueue(t, s)
		preview, err := s.AffectedActivities(ctx, tc.a)
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.EnqueueAffected(ctx, tc.a)
		if err != nil {
			t.Fatal(err)
		}
		want := idsOf(ids, tc.want...)
		if got := queuedIDs(t, s); !slices.Equal(got, want) || n != len(want) {
			t.Errorf("%s: queued %v (n=%d), want %v", tc.name, got, n, want)
		}
		var previewed []int64
		for _, a := range preview {
			previewed = append(previewed, a.ID)
		}
		slices.Sort(previewed)
		if !slices.Equal(previewed, want) {
			t.Errorf("%s: AffectedActivities = %v, want %v", tc.name, previewed, want)
		}
	}
}

func TestEnqueue(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	ids := save(t, s, mail("a", 1, "a", 1, "x@acme.example"), mail("b", 2, "b", 2, "y@acme.example"))
	clearQueue(t, s)
	if err := s.Enqueue(ctx, []int64{ids["b"], 999}); err != nil {
		t.Fatal(err)
	}
	before := queue(t, s)
	if got := queuedIDs(t, s); !slices.Equal(got, idsOf(ids, "b")) {
		t.Errorf("Enqueue queued %v", got)
	}
	if err := s.Enqueue(ctx, []int64{ids["a"], ids["b"]}); err != nil {
		t.Fatal(err)
	}
	after := queue(t, s)
	if len(after) != 2 || after[ids["b"]] <= before[ids["b"]] {
		t.Errorf("Enqueue again: queue %v; b's seq must grow from %d", after, before[ids["b"]])
	}
	if l, err := s.QueueLength(ctx); err != nil || l != 2 {
		t.Errorf("QueueLength = %d, %v", l, err)
	}
}

func TestPending(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	late := mail("late", 30, "early", 1, "buyer@acme.example", "rep1@ourco.example")
	late.InReplyTo, late.References = "early", []string{"early"}
	ids := save(t, s, late, mail("early", 10, "early", 2, "buyer@acme.example"), mail("mid", 20, "mid", 3, "other@acme.example"))
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}))
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["early"],
		Link: model.Link{DealID: "D-1", State: model.LinkAuto, Method: model.MethodDomain, Confidence: 0.7, Reason: "why", Candidates: []string{"D-2"}}}}); err != nil {
		t.Fatal(err)
	}
	p, err := s.Pending(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 2 || p[0].Activity.Key != "early" || p[1].Activity.Key != "mid" {
		t.Fatalf("Pending(2) = %+v, want early then mid", p)
	}
	q := queue(t, s)
	if p[0].Seq != q[ids["early"]] || p[0].Seq == 0 {
		t.Errorf("seq = %d, want %d", p[0].Seq, q[ids["early"]])
	}
	e := p[0].Activity
	want := &model.Link{DealID: "D-1", State: model.LinkAuto, Method: model.MethodDomain, Confidence: 0.7, Reason: "why", Candidates: []string{"D-2"}}
	if !reflect.DeepEqual(e.Link, want) {
		t.Errorf("link = %+v, want %+v", e.Link, want)
	}
	if p[1].Activity.Link != nil {
		t.Errorf("an activity without a link has %+v", p[1].Activity.Link)
	}
	all, err := s.Pending(ctx, 10)
	if err != nil || len(all) != 3 {
		t.Fatalf("Pending(10) = %d, %v", len(all), err)
	}
	l := all[2].Activity
	if l.Key != "late" || l.InReplyTo != "early" || !slices.Equal(l.References, []string{"early"}) || l.ThreadKey != "early" ||
		!l.At.Equal(tmin(30)) || l.Kind != model.KindEmail || l.Direction != model.Inbound ||
		len(l.Participants) != 2 || l.Participants[1].Email != "rep1@ourco.example" || len(l.Sightings) != 1 || l.Subject != "" {
		t.Errorf("pending activity = %+v", l)
	}
}

// TestSaveFolderBatchWithLinks checks the fast path of new mail: a new
// activity's link is stored with it and nothing is queued, except the
// thread mates it moves; a known activity's link is not used (it is
// queued); links decided with an older catalog are not used at all.
func TestSaveFolderBatchWithLinks(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}))
	version, err := s.CatalogVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := save(t, s, mail("lawyer@x", 1, "root@x", 1, "l@law.example"))
	clearQueue(t, s)
	on := &model.Link{DealID: "D-1", State: model.LinkAuto, Method: model.MethodDomain, Confidence: 0.85, Reason: "domain acme.example"}
	batch := func(uidValidity uint32, version int64, acts ...model.Activity) {
		t.Helper()
		if err := s.SaveFolderBatch(ctx, FolderBatch{Mailbox: "rep1", Folder: "INBOX",
			Checkpoint: model.FolderState{UIDValidity: uidValidity, LastUID: 99}, Activities: acts, CatalogVersion: version}); err != nil {
			t.Fatal(err)
		}
	}
	root := mail("root@x", 0, "root@x", 2, "buyer@acme.example")
	root.Link = on
	known := mail("lawyer@x", 1, "root@x", 3, "l@law.example")
	known.Link = on
	batch(7, version, root, known)
	a, err := s.Activity(ctx, ids["lawyer@x"])
	if err != nil || a.Link != nil {
		t.Errorf("known activity got link %+v (%v), want none: it is queued instead", a.Link, err)
	}
	rootID := ids["lawyer@x"] + 1
	if a, err := s.Activity(ctx, rootID); err != nil || a.Key != "root@x" || a.Link == nil || a.Link.DealID != "D-1" {
		t.Errorf("new activity = %+v, %v; want root@x on D-1", a, err)
	}
	if got := queuedIDs(t, s); !slices.Equal(got, []int64{ids["lawyer@x"]}) {
		t.Errorf("queue = %v, want only the known activity (a new sighting and a thread mate off D-1)", got)
	}

	clearQueue(t, s)
	stale := mail("late@x", 5, "late@x", 4, "buyer@acme.example")
	stale.Link = on
	batch(7, version-1, stale)
	if got := queue(t, s); len(got) != 1 {
		t.Errorf("a link from an older catalog: queue %v, want the activity queued", got)
	}
	var links int
	if err := s.read.QueryRow(`SELECT count(*) FROM links`).Scan(&links); err != nil || links != 1 {
		t.Errorf("%d links stored (%v), want only the root's", links, err)
	}
}
