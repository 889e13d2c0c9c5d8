package store

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// tmin is a fixed test time, minutes after a fixed start.
func tmin(minute int) time.Time { return time.Date(2026, 3, 1, 9, minute, 0, 0, time.UTC) }

// mail is an email activity for SaveFolderBatch: key, time, thread, the
// sighting uid in rep1's INBOX, and its participants (the first is From).
func mail(key string, minute int, thread string, uid uint32, people ...string) model.Activity {
	a := email(key, "rep1", uid, people...)
	a.At, a.ThreadKey = tmin(minute), thread
	return a
}

// save stores activities in one batch of rep1's INBOX and returns their ids
// by key.
func save(t *testing.T, s *Store, acts ...model.Activity) map[string]int64 {
	t.Helper()
	var last uint32
	for _, a := range acts {
		last = max(last, a.Sightings[0].UID)
	}
	b := FolderBatch{Mailbox: "rep1", Folder: "INBOX", Checkpoint: model.FolderState{UIDValidity: 7, LastUID: last}, Activities: acts}
	if err := s.SaveFolderBatch(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, a := range b.Activities {
		ids[a.Key] = a.ID
	}
	return ids
}

// queue returns the match queue: activity id → seq.
func queue(t *testing.T, s *Store) map[int64]int64 {
	t.Helper()
	out := map[int64]int64{}
	err := eachRow(context.Background(), s.read, `SELECT activity_id, seq FROM match_queue`, nil, func(rows *sql.Rows) error {
		var id, seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return err
		}
		out[id] = seq
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// queuedIDs returns the ids in the match queue, sorted.
func queuedIDs(t *testing.T, s *Store) []int64 {
	t.Helper()
	var ids []int64
	for id := range queue(t, s) {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// clearQueue empties the match queue.
func clearQueue(t *testing.T, s *Store) {
	t.Helper()
	if _, err := s.write.Exec(`DELETE FROM match_queue`); err != nil {
		t.Fatal(err)
	}
}

// idsOf returns the ids of these keys, sorted.
func idsOf(ids map[string]int64, keys ...string) []int64 {
	var out []int64
	for _, k := range keys {
		out = append(out, ids[k])
	}
	slices.Sort(out)
	return out
}

// deal is an open deal of account acct with these domains and contacts.
func deal(id, acct string, domains []string, contacts ...string) model.Deal {
	return model.Deal{ID: id, Name: "Deal " + id, Account: acct, Domains: domains, Contacts: contacts,
		Owner: "rep1@ourco.example", Stage: "intro", Status: model.DealOpen, Created: tmin(0)}
}

// mustImport imports deals and fails the test on error.
func mustImport(t *testing.T, s *Store, deals ...model.Deal) ImportResult {
	t.Helper()
	res, err := s.ImportDeals(context.Background(), deals)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// version reads the catalog version and fails the test on error.
func version(t *testing.T, s *Store) int64 {
	t.Helper()
	v, err := s.CatalogVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}
