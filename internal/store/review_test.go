package store

import (
	"context"
	"slices"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

// reviewKeys returns the keys of a review page, in order, and the total.
func reviewKeys(t *testing.T, s *Store, q ReviewQuery) ([]string, int) {
	t.Helper()
	items, total, err := s.ReviewQueue(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range items {
		keys = append(keys, a.Key)
	}
	return keys, total
}

func TestReviewQueue(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	acme, initech := deal("D-1", "Acme", []string{"acme.example"}), deal("D-3", "Initech", []string{"initech.example"})
	acme2 := deal("D-2", "Acme", []string{"acme.example"})
	acme2.Owner = "rep2@ourco.example"
	initech.Contacts = []string{"boss@gmail.example"}
	initech.Owner = "rep2@ourco.example"
	mustImport(t, s, acme, acme2, initech)
	none := &model.Link{State: model.LinkNone, Reason: "no live deal"}
	review := &model.Link{State: model.LinkReview, Candidates: []string{"D-1", "D-2"}}
	ids := batchWith(t, s, "rep1@ourco.example",
		linked(mail("ambiguous", 1, "ambiguous", 1, "cto@acme.example"), review),
		linked(mail("unsure", 2, "unsure", 2, "cto@acme.example"), autoOn("D-1", 0.6)),
		linked(mail("sure", 3, "sure", 3, "cto@acme.example"), autoOn("D-1", 0.8)),
		linked(mail("sub", 4, "sub", 4, "x@eu.mail.acme.example"), none),
		linked(mail("stranger", 5, "stranger", 5, "x@nowhere.example", "y@acme.example.org"), none),
		linked(mail("contact", 6, "contact", 6, "boss@gmail.example"), none),
		linked(mail("internal", 7, "internal", 7, "rep1@ourco.example"), none))
	ids2 := batchWith(t, s, "rep2@ourco.example", linked(mail("later", 8, "later", 8, "a@umbrella.example"), none))

	keys, total := reviewKeys(t, s, ReviewQuery{})
	if want := []string{"contact", "sub", "unsure", "ambiguous"}; !slices.Equal(keys, want) || total != 4 {
		t.Errorf("queue = %v (total %d), want %v newest first", keys, total, want)
	}
	keys, total = reviewKeys(t, s, ReviewQuery{Limit: 2, Offset: 1})
	if want := []string{"sub", "unsure"}; !slices.Equal(keys, want) || total != 4 {
		t.Errorf("page 2 of 2 = %v (total %d), want %v", keys, total, want)
	}
	items, _, err := s.ReviewQueue(ctx, ReviewQuery{Limit: 1})
	if err != nil || len(items) != 1 || items[0].Link == nil || items[0].Link.State != model.LinkNone ||
		len(items[0].Participants) != 1 || len(items[0].Sightings) != 1 || items[0].Subject == "" {
		t.Errorf("an item = %+v, %v; want it whole", items, err)
	}

	// A new deal for Umbrella makes its unlinked mail wait for a person
	// once it is matched again, its link unchanged (the deal, say, was
	// not live yet): the import queued it.
	mustImport(t, s, deal("D-4", "Umbrella", []string{"umbrella.example"}))
	pending, err := s.Pending(ctx, 100)
	if err != nil || len(pending) != 1 || pending[0].Activity.Key != "later" {
		t.Fatalf("queued after Umbrella's deal: %+v, %v; want later", pending, err)
	}
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: pending[0].Activity.ID, Seq: pending[0].Seq, Link: *none}}); err != nil {
		t.Fatal(err)
	}
	if keys, _ := reviewKeys(t, s, ReviewQuery{Limit: 1}); !slices.Equal(keys, []string{"later"}) {
		t.Errorf("after Umbrella's deal, newest = %v, want later", keys)
	}

	// The owner's view: rep2 owns D-2 (a candidate of ambiguous, an
	// account deal of sub) and D-3 (contact's deal), and saw later.
	keys, total = reviewKeys(t, s, ReviewQuery{Owner: " REP2@ourco.example"})
	if want := []string{"later", "contact", "sub", "ambiguous"}; !slices.Equal(keys, want) || total != 4 {
		t.Errorf("rep2's queue = %v (total %d), want %v", keys, total, want)
	}
	keys, total = reviewKeys(t, s, ReviewQuery{Owner: "rep2@ourco.example", Offset: 10})
	if len(keys) != 0 || total != 4 {
		t.Errorf("rep2's queue past its end = %v (total %d), want nothing of 4", keys, total)
	}
	keys, _ = reviewKeys(t, s, ReviewQuery{Owner: "rep2@ourco.example", Sources: []string{"elsewhere"}})
	if want := []string{"contact", "sub", "ambiguous"}; !slices.Equal(keys, want) {
		t.Errorf("rep2's queue with other sources = %v, want %v", keys, want)
	}
	keys, _ = reviewKeys(t, s, ReviewQuery{Owner: "rep1@ourco.example", Sources: []string{"none"}})
	if want := []string{"later", "sub", "unsure", "ambiguous"}; !slices.Equal(keys, want) {
		t.Errorf("rep1's queue = %v, want %v", keys, want)
	}

	// A new sighting puts an item in that mailbox owner's view; a new
	// UIDVALIDITY takes it out again.
	if keys, total := reviewKeys(t, s, ReviewQuery{Owner: "rep3@ourco.example"}); len(keys) != 0 || total != 0 {
		t.Errorf("rep3's queue = %v (total %d), want none", keys, total)
	}
	batchWith(t, s, "rep3@ourco.example", mail("sub", 4, "sub", 40, "x@eu.mail.acme.example"))
	if keys, total := reviewKeys(t, s, ReviewQuery{Owner: "rep3@ourco.example"}); !slices.Equal(keys, []string{"sub"}) || total != 1 {
		t.Errorf("rep3's queue after a sighting = %v (total %d), want sub", keys, total)
	}
	if err := s.SaveFolderBatch(ctx, FolderBatch{Mailbox: "rep3@ourco.example", Folder: "INBOX",
		Checkpoint: model.FolderState{UIDValidity: 9, LastUID: 1}}); err != nil {
		t.Fatal(err)
	}
	if keys, _ := reviewKeys(t, s, ReviewQuery{Owner: "rep3@ourco.example"}); len(keys) != 0 {
		t.Errorf("rep3's queue after a new UIDVALIDITY = %v, want none", keys)
	}

	// Decisions, links and meetings move items in and out.
	if _, err := s.Decide(ctx, DecisionInput{Actor: "rep1@ourco.example", Action: model.ActionConfirm,
		ActivityIDs: []int64{ids["ambiguous"]}, Link: model.Link{DealID: "D-1", State: model.LinkConfirmed}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["unsure"], Link: *autoOn("D-1", 0.9)},
		{ActivityID: ids["sure"], Link: *autoOn("D-1", 0.79)}, {ActivityID: ids2["later"], Link: *autoOn("D-4", 0.95)}}); err != nil {
		t.Fatal(err)
	}
	m := linked(meeting("m", 9, 9, 0, "rep1@ourco.example", "cto@initech.example"), none)
	if err := s.SaveCalendarBatch(ctx, CalendarBatch{Source: "cal:rep1", Activities: []model.Activity{m}, CatalogVersion: version(t, s)}); err != nil {
		t.Fatal(err)
	}
	keys, total = reviewKeys(t, s, ReviewQuery{})
	if want := []string{m.Key, "contact", "sub", "sure"}; !slices.Equal(keys, want) || total != 4 {
		t.Errorf("after changes, queue = %v (total %d), want %v", keys, total, want)
	}
	// The meeting loses its outside attendee: nothing ties it to an
	// account any more.
	m2 := meeting("m", 9, 9, 1, "rep1@ourco.example", "x@nowhere.example")
	saveCal(t, s, "cal:rep1", m2)
	if keys, _ := reviewKeys(t, s, ReviewQuery{Limit: 1}); !slices.Equal(keys, []string{"contact"}) {
		t.Errorf("after the meeting changed, newest = %v, want contact", keys)
	}
}

func TestParentDomains(t *testing.T) {
	if got, want := parentDomains("example.acme.mail"), []string{"mail.acme.example", "acme.example", "example"}; !slices.Equal(got, want) {
		t.Errorf("parentDomains = %v, want %v", got, want)
	}
	if got := parentDomains(""); got != nil {
		t.Errorf("parentDomains of nothing = %v", got)
	}
}
