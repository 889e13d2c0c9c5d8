package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// fillBench writes n generated activities straight in SQL: 3 participants
// each, 1 or 2 sightings, a link on two thirds of them, every one queued.
func fillBench(b *testing.B, s *Store, n int) {
	b.Helper()
	_, err := s.write.Exec(fmt.Sprintf(`
INSERT INTO accounts (id, name) VALUES (1, 'Acme');
INSERT INTO deals (id, name, account_id, owner, stage, status, created_at) VALUES ('D-1', 'Pilot', 1, 'rep1@ourco.example', 'intro', 'open', 1);
CREATE TEMP TABLE n AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d) SELECT i FROM c;
INSERT INTO activities (id, kind, key, at, direction, subject, snippet, thread_key, in_reply_to, refs, created_at)
  SELECT i, 'email', 'msg' || i || '@acct' || (i %% 700) || '.example', 1700000000 + i * 37, 'inbound',
    'Subject ' || i, 'A snippet of some length for message ' || i,
    'msg' || (i - i %% 4) || '@acct.example', CASE WHEN i %% 4 = 0 THEN '' ELSE 'msg' || (i - 1) || '@acct.example' END,
    CASE WHEN i %% 4 = 0 THEN '' ELSE 'msg' || (i - i %% 4) || '@acct.example msg' || (i - 1) || '@acct.example' END, 1 FROM n;
INSERT INTO participants (activity_id, email, name, role, pos, rdomain)
  SELECT i, 'buyer' || (i %% 5000) || '@mail.acct' || (i %% 700) || '.example', 'Buyer Person ' || (i %% 5000), 'from', 0,
    'example.acct' || (i %% 700) || '.mail' FROM n;
INSERT INTO participants (activity_id, email, name, role, pos, rdomain)
  SELECT i, 'rep' || (i %% 7) || '@ourco.example', 'Rep ' || (i %% 7), 'to', 1, 'example.ourco' FROM n;
INSERT INTO participants (activity_id, email, name, role, pos, rdomain)
  SELECT i, 'cc' || (i %% 900) || '@acct' || (i %% 700) || '.example', '', 'cc', 2, 'example.acct' || (i %% 700) FROM n;
INSERT INTO sightings (mailbox, folder, uidvalidity, uid, activity_id)
  SELECT 'rep' || (i %% 7) || '@ourco.example', 'INBOX', 7, i, i FROM n;
INSERT INTO sightings (mailbox, folder, uidvalidity, uid, activity_id)
  SELECT 'rep' || ((i + 1) %% 7) || '@ourco.example', 'Sent', 9, i, i FROM n WHERE i %% 2 = 0;
INSERT INTO links (activity_id, deal_id, state, method, confidence, reason, candidates, updated_at)
  SELECT i, CASE WHEN i %% 3 = 0 THEN 'D-1' END, CASE WHEN i %% 3 = 0 THEN 'auto' ELSE 'review' END, 'domain', 0.8,
    'domain acct.example → Acme; 1 live deal', CASE WHEN i %% 3 = 0 THEN '[]' ELSE '["D-1","D-2"]' END, 1 FROM n WHERE i %% 3 <> 1;
INSERT INTO match_queue (activity_id, seq, at) SELECT i, 1, 1700000000 + i * 37 FROM n;
DROP TABLE n;
ANALYZE;`, n))
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEachActivity reads 200,000 activities the way a full rematch
// does; see the activities/s metric.
func BenchmarkEachActivity(b *testing.B) {
	const n = 200_000
	s, _ := openTest(b)
	fillBench(b, s, n)
	ctx := context.Background()
	for b.Loop() {
		seen := 0
		err := s.EachActivity(ctx, 1000, func(acts []model.Activity) error {
			seen += len(acts)
			return nil
		})
		if err != nil || seen != n {
			b.Fatalf("saw %d activities, %v", seen, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "activities/s")
}

// BenchmarkPending reads the queue 1,000 at a time.
func BenchmarkPending(b *testing.B) {
	s, _ := openTest(b)
	fillBench(b, s, 200_000)
	ctx := context.Background()
	for b.Loop() {
		p, err := s.Pending(ctx, 1000)
		if err != nil || len(p) != 1000 {
			b.Fatalf("pending: %d, %v", len(p), err)
		}
	}
}

// BenchmarkSaveLinks saves batches of 5,000 links taken from the queue:
// "changed" writes every link (a new confidence each round), "unchanged"
// saves the links as stored (the steady state of a rematch). See the
// ms/5000 metric.
func BenchmarkSaveLinks(b *testing.B) {
	const n = 5000
	for _, changed := range []bool{true, false} {
		name := "unchanged"
		if changed {
			name = "changed"
		}
		b.Run(name, func(b *testing.B) {
			s, _ := openTest(b)
			fillBench(b, s, 200_000)
			ctx := context.Background()
			pending, err := s.Pending(ctx, n)
			if err != nil {
				b.Fatal(err)
			}
			round := 0
			for b.Loop() {
				round++
				updates := make([]LinkUpdate, len(pending))
				for i, p := range pending {
					l := model.Link{State: model.LinkNone}
					if p.Activity.Link != nil {
						l = *p.Activity.Link
					}
					if changed {
						l = model.Link{DealID: "D-1", State: model.LinkAuto, Method: model.MethodDomain,
							Confidence: float64(round%10) / 10, Reason: fmt.Sprintf("round %d", round)}
					}
					updates[i] = LinkUpdate{ActivityID: p.Activity.ID, Link: l}
				}
				if _, err := s.SaveLinks(ctx, updates); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/5000")
		})
	}
}

// BenchmarkRematch is the store's share of a full rematch of 200,000
// activities, as the linker runs it: EachActivity in chunks of 5,000, and
// SaveLinks of each chunk's links (here unchanged, the steady state).
func BenchmarkRematch(b *testing.B) {
	const n = 200_000
	s, _ := openTest(b)
	fillBench(b, s, n)
	ctx := context.Background()
	for b.Loop() {
		seen := 0
		err := s.EachActivity(ctx, 5000, func(acts []model.Activity) error {
			updates := make([]LinkUpdate, len(acts))
			for i, a := range acts {
				l := model.Link{State: model.LinkNone}
				if a.Link != nil {
					l = *a.Link
				}
				updates[i] = LinkUpdate{ActivityID: a.ID, Link: l}
			}
			seen += len(acts)
			_, err := s.SaveLinks(ctx, updates)
			return err
		})
		if err != nil || seen != n {
			b.Fatalf("saw %d activities, %v", seen, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "activities/s")
}

// BenchmarkSaveFolderBatch stores batches of 500 new messages with 3
// participants each, as a first sync does; see the activities/s metric.
func BenchmarkSaveFolderBatch(b *testing.B) {
	s, _ := openTest(b)
	ctx := context.Background()
	var uid uint32
	stored := 0
	for b.Loop() {
		batch := FolderBatch{Mailbox: "rep1", Folder: "INBOX"}
		for range 500 {
			uid++
			a := model.Activity{Kind: model.KindEmail, Key: fmt.Sprintf("m%d@acme.example", uid), At: time.Unix(1700000000+int64(uid), 0),
				Direction: model.Inbound, Subject: "Subject", Snippet: "Snippet", ThreadKey: fmt.Sprintf("m%d@acme.example", uid-uid%4),
				Participants: []model.Participant{{Email: "buyer@mail.acme.example", Role: model.RoleFrom},
					{Email: "rep1@ourco.example", Role: model.RoleTo}, {Email: "cc@acme.example", Role: model.RoleCc}},
				Sightings: []model.Sighting{{Mailbox: "rep1", Folder: "INBOX", UIDValidity: 7, UID: uid}}}
			batch.Activities = append(batch.Activities, a)
		}
		batch.Checkpoint = model.FolderState{UIDValidity: 7, LastUID: uid}
		if err := s.SaveFolderBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
		stored += 500
	}
	b.ReportMetric(float64(stored)/b.Elapsed().Seconds(), "activities/s")
}
