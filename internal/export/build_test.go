package export

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// fakeSource serves fixed deals and activities, links included.
type fakeSource struct {
	deals []model.Deal
	acts  []model.Activity
}

func (f fakeSource) Deals(context.Context) ([]model.Deal, error)          { return f.deals, nil }
func (f fakeSource) Activities(context.Context) ([]model.Activity, error) { return f.acts, nil }

func linked(id int64, deal string, state model.LinkState) model.Activity {
	return model.Activity{ID: id, Kind: model.KindEmail, Key: fmt.Sprintf("m%d@acme.example", id),
		At:   time.Date(2026, 3, 1, 10, int(id), 0, 0, time.FixedZone("CET", 3600)),
		Link: &model.Link{DealID: deal, Method: "domain", State: state, Confidence: 0.9, Reason: "domain acme.example"}}
}

func testSource() fakeSource {
	unlinked := linked(3, "", "")
	unlinked.Link = nil
	review := linked(6, "", model.LinkReview)
	review.Link.Candidates = []string{"D-2", "D-1"}
	return fakeSource{
		deals: []model.Deal{
			{ID: "D-1", Name: "Pilot", Account: "Acme", Owner: "rep1@ourco.example", Stage: "proposal", Status: model.DealOpen},
			{ID: "D-2", Name: "Rollout", Account: "Acme", Owner: "rep2@ourco.example", Stage: "closed", Status: model.DealWon},
			{ID: "D-3", Name: "Quiet", Account: "Initech", Owner: "rep1@ourco.example", Status: model.DealOpen},
		},
		acts: []model.Activity{
			linked(1, "D-1", model.LinkAuto),
			linked(2, "D-1", model.LinkRejected),
			unlinked,
			linked(4, "D-2", model.LinkConfirmed),
			linked(5, "D-1", model.LinkConfirmed),
			review,
			linked(7, "", model.LinkPrivate),
		},
	}
}

// ids lists the IDs of activities.
func ids(acts []Activity) []int64 {
	out := []int64{}
	for _, a := range acts {
		out = append(out, a.ID)
	}
	return out
}

func TestBuildPlacesActivities(t *testing.T) {
	doc, err := Build(context.Background(), testSource(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Deals) != 3 {
		t.Fatalf("got %d deals, want 3", len(doc.Deals))
	}
	for i, want := range [][]int64{{1, 5}, {4}, {}} {
		if got := ids(doc.Deals[i].Activities); !reflect.DeepEqual(got, want) {
			t.Errorf("deal %s activities = %v, want %v", doc.Deals[i].ID, got, want)
		}
	}
	if got := ids(doc.Unlinked); !reflect.DeepEqual(got, []int64{2, 3}) {
		t.Errorf("unlinked = %v, want the rejected and the never linked (not the private one)", got)
	}
	if len(doc.Review) != 1 || doc.Review[0].ID != 6 || !reflect.DeepEqual(doc.Review[0].Candidates, []string{"D-2", "D-1"}) {
		t.Errorf("review = %#v, want activity 6 with candidates D-2, D-1", doc.Review)
	}
	if got := doc.Deals[0].Activities[0].At; got != "2026-03-01T09:01:00Z" {
		t.Errorf("at = %q, want RFC 3339 in UTC", got)
	}
}

func TestBuildOneDeal(t *testing.T) {
	doc, err := Build(context.Background(), testSource(), "D-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Deals) != 1 || doc.Deals[0].ID != "D-1" || !reflect.DeepEqual(ids(doc.Deals[0].Activities), []int64{1, 5}) {
		t.Errorf("deals = %+v, want D-1 with activities 1 and 5", doc.Deals)
	}
	if doc.Review == nil || doc.Unlinked == nil || len(doc.Review)+len(doc.Unlinked) != 0 {
		t.Errorf("review %v and unlinked %v, want both empty", doc.Review, doc.Unlinked)
	}
}

func TestBuildUnknownDeal(t *testing.T) {
	_, err := Build(context.Background(), testSource(), "D-9")
	if err == nil || err.Error() != "deal D-9 not found" || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("error = %v, want deal D-9 not found", err)
	}
}

func TestBuildFromStore(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.ImportDeals(ctx, []model.Deal{{ID: "D-1", Name: "Pilot", Account: "Acme", Owner: "rep1@ourco.example",
		Stage: "proposal", Status: model.DealOpen, Created: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}}); err != nil {
		t.Fatal(err)
	}
	a := model.Activity{Kind: model.KindEmail, Key: "m1@acme.example", At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		Direction: model.Inbound, Subject: "Pricing", Snippet: "Hi",
		Participants: []model.Participant{{Email: "cto@acme.example", Name: "C. T. O.", Role: model.RoleFrom}, {Email: "rep1@ourco.example", Role: model.RoleTo}},
		Attachments:  []model.Attachment{{Name: "quote.pdf", ContentType: "application/pdf", Size: 1234}},
		Sightings:    []model.Sighting{{Mailbox: "rep1@ourco.example", Folder: "INBOX", UIDValidity: 7, UID: 12}}}
	if err := st.SaveFolderBatch(ctx, store.FolderBatch{Mailbox: "rep1@ourco.example", Folder: "INBOX",
		Checkpoint: model.FolderState{UIDValidity: 7, LastUID: 12}, Activities: []model.Activity{a}}); err != nil {
		t.Fatal(err)
	}
	doc, err := Build(ctx, st, "")
	if err != nil {
		t.Fatal(err)
	}
	want := Document{
		Deals: []Deal{{ID: "D-1", Name: "Pilot", Account: "Acme", Owner: "rep1@ourco.example", Stage: "proposal",
			Status: model.DealOpen, Activities: []Activity{}}},
		Review: []ReviewItem{},
		Unlinked: []Activity{{ID: 1, Kind: model.KindEmail, Key: "m1@acme.example", At: "2026-03-01T09:00:00Z",
			Direction: model.Inbound, Subject: "Pricing", Snippet: "Hi",
			Participants: []Participant{{Email: "cto@acme.example", Name: "C. T. O.", Role: model.RoleFrom}, {Email: "rep1@ourco.example", Role: model.RoleTo}},
			Sightings:    []Sighting{{Mailbox: "rep1@ourco.example", Folder: "INBOX", UID: 12}},
			Attachments:  []Attachment{{Name: "quote.pdf", ContentType: "application/pdf", Size: 1234}}}},
	}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("Build:\n got  %+v\n want %+v", doc, want)
	}
}
