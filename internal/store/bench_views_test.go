package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Shape of the store that the web views are measured on.
const (
	viewDeals      = 5000
	viewActivities = 200_000
	viewBigDeal    = 5000 // activities of D-0
	viewFuture     = 5000 // the last activities: meetings after viewNow
)

// viewNow is the moment the views are read at: before the last
// viewFuture activities (meetings of a fifth of the deals).
var viewNow = time.Unix(1700000000+(viewActivities-viewFuture)*150, 0)

// fillViews writes, straight in SQL, 2,500 accounts of 2 deals each and
// 200,000 activities: D-0 holds 5,000 of them, the others about 39 each;
// a tenth are meetings (the last 5,000, after viewNow, on 1,000 deals),
// 3 participants and a sighting each. Links: 2% ambiguous, 2% automatic
// with low confidence, 3% unlinked (half of them at a known account's
// subdomain), the rest on their deal. Then it fills in the derived rows
// the way migration 6 does for an existing database.
func fillViews(b *testing.B, s *Store) {
	b.Helper()
	_, err := s.write.Exec(fmt.Sprintf(`
CREATE TEMP TABLE n AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %[1]d) SELECT i FROM c;
INSERT INTO accounts (id, name) SELECT i, 'Account ' || i FROM n WHERE i <= %[2]d / 2;
INSERT INTO account_domains (domain, account_id) SELECT 'acct' || i || '.example', i FROM n WHERE i <= %[2]d / 2;
INSERT INTO deals (id, name, account_id, owner, stage, status, created_at)
  SELECT 'D-' || (i - 1), 'Deal ' || (i - 1), 1 + (i - 1) / 2, 'rep' || (i %% 7) || '@ourco.example', 'intro', 'open', 1 FROM n WHERE i <= %[2]d;
CREATE TEMP TABLE d AS SELECT i, CASE
    WHEN i <= %[3]d THEN 0
    WHEN i > %[1]d - %[4]d THEN i %% 1000
    ELSE 1 + i %% (%[2]d - 1) END AS deal FROM n;
INSERT INTO activities (id, kind, key, at, direction, subject, snippet, thread_key, created_at)
  SELECT n.i, CASE WHEN n.i > %[1]d - %[4]d OR n.i %% 20 = 0 THEN 'meeting' WHEN n.i %% 50 = 1 THEN 'note' ELSE 'email' END,
    'k' || n.i, 1700000000 + n.i * 150, CASE WHEN n.i %% 3 = 0 THEN 'outbound' ELSE 'inbound' END,
    'Subject ' || n.i, 'A snippet of some length for activity ' || n.i, 't' || (n.i / 4), 1 FROM n;
INSERT INTO meetings (activity_id, uid, instance, start, "end", all_day, cancelled)
  SELECT id, 'u' || id, at, at, at + 1800, 0, id %% 7 = 0 FROM activities WHERE kind = 'meeting';
INSERT INTO participants (activity_id, email, name, role, pos, rdomain)
  SELECT n.i, 'buyer' || (n.i %% 9) || '@' || CASE WHEN n.i %% 100 BETWEEN 96 AND 97 THEN 'eu.' ELSE '' END ||
    CASE WHEN n.i %% 100 >= 98 THEN 'stranger' || n.i ELSE 'acct' || (1 + d.deal / 2) END || '.example', 'Buyer', 'from', 0,
    'example.' || CASE WHEN n.i %% 100 >= 98 THEN 'stranger' || n.i ELSE 'acct' || (1 + d.deal / 2) END ||
    CASE WHEN n.i %% 100 BETWEEN 96 AND 97 THEN '.eu' ELSE '' END FROM n JOIN d ON d.i = n.i;
INSERT INTO participants (activity_id, email, name, role, pos, rdomain)
  SELECT i, 'rep' || (i %% 7) || '@ourco.example', 'Rep', 'to', 1, 'example.ourco' FROM n;
INSERT INTO participants (activity_id, email, name, role, pos, rdomain)
  SELECT i, 'cc' || (i %% 900) || '@ourco.example', '', 'cc', 2, 'example.ourco' FROM n;
INSERT INTO sightings (mailbox, folder, uidvalidity, uid, activity_id)
  SELECT 'rep' || (i %% 7) || '@ourco.example', 'INBOX', 7, i, i FROM n;
INSERT INTO links (activity_id, deal_id, state, method, confidence, reason, candidates, updated_at)
  SELECT n.i,
    CASE WHEN n.i > %[3]d AND n.i %% 100 IN (94, 95, 96, 97, 98) THEN NULL ELSE 'D-' || d.deal END,
    CASE WHEN n.i > %[3]d AND n.i %% 100 IN (94, 95) THEN 'review'
      WHEN n.i > %[3]d AND n.i %% 100 IN (96, 97, 98) THEN 'none' ELSE 'auto' END,
    'domain', CASE WHEN n.i %% 100 IN (92, 93) THEN 0.6 ELSE 0.9 END, 'domain → account',
    CASE WHEN n.i > %[3]d AND n.i %% 100 IN (94, 95) THEN '["D-' || d.deal || '","D-' || (d.deal + 1) || '"]' ELSE '[]' END, 1
  FROM n JOIN d ON d.i = n.i;
DROP TABLE n;
DROP TABLE d;
ANALYZE;`, viewActivities, viewDeals, viewBigDeal, viewFuture))
	if err != nil {
		b.Fatal(err)
	}
	tx, err := s.write.Begin()
	if err != nil {
		b.Fatal(err)
	}
	if err := backfillViews(context.Background(), tx); err != nil {
		tx.Rollback()
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDealViews reads what the web UI shows, on a store of 5,000
// deals and 200,000 activities (see fillViews): the deals list, the
// activities of the deal holding 5,000, a page of the review queue, all
// and one member's, and (a write) a link change on that deal, which
// recomputes its figures.
func BenchmarkDealViews(b *testing.B) {
	s, _ := openTest(b)
	fillViews(b, s)
	ctx := context.Background()
	b.Run("DealSummaries", func(b *testing.B) {
		for b.Loop() {
			sums, err := s.DealSummaries(ctx, viewNow)
			if err != nil || len(sums) != viewDeals {
				b.Fatalf("%d summaries, %v", len(sums), err)
			}
		}
	})
	b.Run("DealActivities", func(b *testing.B) {
		for b.Loop() {
			acts, err := s.DealActivities(ctx, "D-0")
			if err != nil || len(acts) != viewBigDeal+viewFuture/1000 {
				b.Fatalf("%d activities, %v", len(acts), err)
			}
		}
	})
	for _, q := range []ReviewQuery{{}, {Offset: 5000}, {Owner: "rep3@ourco.example"}} {
		name := "ReviewQueue"
		if q.Owner != "" {
			name += "Owner"
		} else if q.Offset > 0 {
			name += "Offset"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				items, total, err := s.ReviewQueue(ctx, q)
				if err != nil || len(items) != 50 || total < 1000 {
					b.Fatalf("%d items of %d, %v", len(items), total, err)
				}
			}
		})
	}
	b.Run("SaveLinksBigDeal", func(b *testing.B) {
		round := 0
		for b.Loop() {
			round++
			l := model.Link{DealID: "D-0", State: model.LinkAuto, Method: model.MethodDomain, Confidence: 0.9,
				Reason: fmt.Sprintf("round %d", round)}
			if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: 17, Link: l}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
