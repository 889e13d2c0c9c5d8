package store

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestDeleteUnlinked(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	clock := tmin(900)
	s.now = func() time.Time { return clock }
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}))
	none := func() *model.Link { return &model.Link{State: model.LinkNone, Reason: "no deal fits"} }
	ignored := &model.Link{State: model.LinkIgnored, Method: model.MethodRule, Reason: "ignored domain"}
	ids := batchWith(t, s, "rep1",
		linked(mail("old-none", 1, "t1", 1, "x@stranger.example", "rep1@ourco.example"), none()),
		linked(mail("old-ignored", 2, "t2", 2, "news@news.example", "rep1@ourco.example"), ignored),
		linked(mail("old-human", 3, "t3", 3, "y@stranger.example", "rep1@ourco.example"), none()),
		linked(mail("old-linked", 4, "t4", 4, "bob@acme.example", "rep1@ourco.example"), autoOn("D-1", 0.9)),
		linked(mail("old-review", 5, "t5", 5, "cfo@acme.example", "rep1@ourco.example"),
			&model.Link{State: model.LinkReview, Method: model.MethodDomain, Candidates: []string{"D-1"}}),
		linked(mail("new-none", 100, "t6", 6, "z@stranger.example", "rep1@ourco.example"), none()))
	for k, id := range saveCal(t, s, "cal:rep1", linked(meeting("m-old", 6, 6, 0, "rep1@ourco.example", "w@stranger.example"), none())) {
		ids[k] = id
	}
	// A person looked at old-human and ignored it, a state retention
	// takes: it stays because a person decided.
	if _, err := s.Decide(ctx, DecisionInput{Actor: "lead@ourco.example", Action: model.ActionIgnore,
		ActivityIDs: []int64{ids["old-human"]}, Link: model.Link{State: model.LinkIgnored}}); err != nil {
		t.Fatal(err)
	}
	clearQueue(t, s)

	n, err := s.DeleteUnlinked(ctx, tmin(50))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("deleted %d activities, want 3 (old-none, old-ignored, the old meeting)", n)
	}
	var left []int64
	if err := eachRowTest(t, s, `SELECT id FROM activities ORDER BY id`, &left); err != nil {
		t.Fatal(err)
	}
	want := idsOf(ids, "old-human", "old-linked", "old-review", "new-none")
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("activities left = %v, want %v", left, want)
	}
	for _, table := range []string{"participants", "sightings", "links", "meetings", "calendar_sightings", "match_queue", "review_items", "review_deals", "review_sources"} {
		var orphans int
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE activity_id NOT IN (SELECT id FROM activities)`).Scan(&orphans); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if orphans != 0 {
			t.Errorf("%s keeps %d rows of deleted activities", table, orphans)
		}
	}
	// Nothing left to delete: a second pass is a no-op.
	if n, err := s.DeleteUnlinked(ctx, tmin(50)); err != nil || n != 0 {
		t.Errorf("second pass deleted %d, %v", n, err)
	}
}

// eachRowTest reads a column of int64s.
func eachRowTest(t *testing.T, s *Store, query string, out *[]int64) error {
	t.Helper()
	return eachRow(context.Background(), s.read, query, nil, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		*out = append(*out, id)
		return nil
	})
}
