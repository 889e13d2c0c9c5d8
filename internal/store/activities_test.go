package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestEachActivity(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	// Seven activities, several at the same second, so that chunks end
	// in the middle of a second.
	var acts []model.Activity
	for i, m := range []int{5, 1, 1, 1, 3, 1, 5} {
		a := mail(string(rune('a'+i)), m, "t", uint32(i+1), "x@acme.example")
		acts = append(acts, a)
	}
	ids := save(t, s, acts...)
	want, err := s.Activities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{1, 2, 3, 7, 100} {
		var got []model.Activity
		var sizes []int
		err := s.EachActivity(ctx, chunk, func(acts []model.Activity) error {
			got = append(got, acts...)
			sizes = append(sizes, len(acts))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("chunk %d: %d activities, want %d", chunk, len(got), len(want))
		}
		for i := range got {
			w := want[i]
			w.Subject, w.Snippet, w.Attachments = "", "", nil
			if !reflect.DeepEqual(got[i], w) {
				t.Errorf("chunk %d: activity %d = %+v\nwant %+v", chunk, i, got[i], w)
			}
		}
		if slices.Max(sizes) > chunk {
			t.Errorf("chunk %d: sizes %v", chunk, sizes)
		}
	}
	// Time order, then id.
	var order []int64
	for _, a := range want {
		order = append(order, a.ID)
	}
	if wantOrder := []int64{ids["b"], ids["c"], ids["d"], ids["f"], ids["e"], ids["a"], ids["g"]}; !slices.Equal(order, wantOrder) {
		t.Errorf("order = %v, want %v", order, wantOrder)
	}
	stop := errors.New("stop")
	if err := s.EachActivity(ctx, 2, func([]model.Activity) error { return stop }); err != stop {
		t.Errorf("an error from fn came back as %v", err)
	}
}

func TestActivityRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	// Text that looks like the packing: commas, colons, digits, Unicode.
	a := mail("12,3:4@x", 7, "th:1,2", 3, "o'neil@acme.example")
	a.Participants[0].Name = "O'Neil, Ünal: 3,4:"
	a.Participants = append(a.Participants,
		model.Participant{Email: "b@acme.example", Name: "", Role: model.RoleCc},
		model.Participant{Email: "a@acme.example", Name: "Ä", Role: model.RoleTo})
	a.InReplyTo, a.References = "p:1", []string{"r,1", "p:1"}
	a.Subject, a.Snippet = "Re: 5,6:7", "snip"
	a.Attachments = []model.Attachment{{Name: "q.pdf", ContentType: "application/pdf", Size: 5}}
	a.Sightings = append(a.Sightings, model.Sighting{Mailbox: "rep1", Folder: "Archive:2026", UIDValidity: 4294967295, UID: 4294967294})
	ids := save(t, s, a)
	mustImport(t, s, deal("D,1:", "Acme", []string{"acme.example"}))
	link := model.Link{DealID: "D,1:", State: model.LinkAuto, Method: model.MethodContact, Confidence: 0.1 + 0.2,
		Reason: "a \"quoted\" reason, with: pieces\n", Candidates: []string{"x\"y", "z"}}
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids[a.Key], Link: link}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Activity(ctx, ids[a.Key])
	if err != nil {
		t.Fatal(err)
	}
	want := a
	want.ID = ids[a.Key]
	want.Link = &link
	want.Sightings = []model.Sighting{a.Sightings[1], a.Sightings[0]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got  %+v\n want %+v", got, want)
	}
	if all, err := s.Activities(ctx); err != nil || len(all) != 1 || !reflect.DeepEqual(all[0], want) {
		t.Errorf("Activities = %+v, %v", all, err)
	}
	if _, err := s.Activity(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Activity(999) = %v, want ErrNotFound", err)
	}
	// A no-op re-save sees the same link, quotes and float included.
	if ch, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids[a.Key], Link: link}}); err != nil || len(ch) != 0 {
		t.Errorf("re-save: %+v, %v", ch, err)
	}
}

func TestThreads(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	reply := mail("reply", 2, "root", 2, "a@acme.example")
	ids := save(t, s, reply, mail("root", 1, "root", 1, "a@acme.example"), mail("later", 3, "root", 3, "a@acme.example"),
		mail("review", 4, "x", 4, "a@acme.example"), mail("nothread", 5, "", 5, "a@acme.example"))
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}))
	if _, err := s.SaveLinks(ctx, []LinkUpdate{
		{ActivityID: ids["root"], Link: model.Link{DealID: "D-1", State: model.LinkAuto}},
		{ActivityID: ids["review"], Link: model.Link{State: model.LinkReview, Candidates: []string{"D-1"}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(ctx, DecisionInput{Actor: "r", Action: model.ActionConfirm, ActivityIDs: []int64{ids["later"]},
		Link: model.Link{DealID: "D-1", State: model.LinkConfirmed}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ThreadDeals(ctx, []string{"root", "later", "review", "reply", "unknown"})
	if err != nil || !reflect.DeepEqual(got, map[string]string{"root": "D-1", "later": "D-1"}) {
		t.Errorf("ThreadDeals = %v, %v", got, err)
	}
	if got, err := s.ThreadDeals(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("ThreadDeals(nil) = %v, %v", got, err)
	}
	if got, err := s.ThreadActivityIDs(ctx, ids["later"]); err != nil || !slices.Equal(got, []int64{ids["root"], ids["reply"], ids["later"]}) {
		t.Errorf("ThreadActivityIDs = %v, %v", got, err)
	}
	if got, err := s.ThreadActivityIDs(ctx, ids["nothread"]); err != nil || !slices.Equal(got, []int64{ids["nothread"]}) {
		t.Errorf("ThreadActivityIDs without a thread = %v, %v", got, err)
	}
	if _, err := s.ThreadActivityIDs(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("ThreadActivityIDs(999) = %v, want ErrNotFound", err)
	}
}
