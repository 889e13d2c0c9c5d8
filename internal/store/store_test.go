package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// schemaOf lists the normalised SQL of every table and index.
func schemaOf(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			t.Fatal(err)
		}
		// Spacing aside: ALTER TABLE ADD COLUMN writes ", col ...)"
		// after the last column's line.
		text = strings.Join(strings.Fields(text), " ")
		out[name] = strings.NewReplacer(" ,", ",", "( ", "(", " )", ")").Replace(text)
	}
	return out
}

func TestMigrateFromFirstSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	oldPath := filepath.Join(dir, "v1.db")
	v1, err := os.ReadFile("testdata/schema_v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", dsn(oldPath, false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(v1) + `; PRAGMA user_version = 1;
		INSERT INTO activities (kind, key, at, direction, created_at) VALUES ('email', 'kept@example', 1, 'inbound', 1);`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	upgraded, err := Open(ctx, oldPath)
	if err != nil {
		t.Fatalf("upgrade from version 1: %v", err)
	}
	defer upgraded.Close()
	fresh, _ := openTest(t)

	if got, want := schemaOf(t, upgraded.read), schemaOf(t, fresh.read); !reflect.DeepEqual(got, want) {
		t.Errorf("upgraded schema differs from schema.sql:\n got  %v\n want %v", got, want)
	}
	var version int
	if err := upgraded.read.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != currentVersion {
		t.Errorf("user_version = %d (%v), want %d", version, err, currentVersion)
	}
	acts, err := upgraded.Activities(ctx)
	if err != nil || len(acts) != 1 || acts[0].Key != "kept@example" {
		t.Errorf("data before the upgrade: got %v, %v", acts, err)
	}
}

func TestOpenRefusesNewerDatabase(t *testing.T) {
	s, path := openTest(t)
	if _, err := s.write.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "newer than this dealtrail") {
		t.Fatalf("Open of a newer database: %v, want a refusal", err)
	}
}

func email(key string, mailbox string, uid uint32, people ...string) model.Activity {
	a := model.Activity{Kind: model.KindEmail, Key: key, At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		Direction: model.Inbound, Subject: "About " + key,
		Sightings: []model.Sighting{{Mailbox: mailbox, Folder: "INBOX", UIDValidity: 7, UID: uid}}}
	for i, p := range people {
		role := model.RoleTo
		if i == 0 {
			role = model.RoleFrom
		}
		a.Participants = append(a.Participants, model.Participant{Email: p, Role: role})
	}
	return a
}

func TestSaveFolderBatchDeduplicatesAndMovesCheckpoint(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	first := FolderBatch{Mailbox: "rep1", Folder: "INBOX", Checkpoint: model.FolderState{UIDValidity: 7, LastUID: 2},
		Activities: []model.Activity{email("a@x", "rep1", 1, "buyer@acme.example", "rep1@ourco.example"), email("b@x", "rep1", 2, "buyer@acme.example")}}
	if err := s.SaveFolderBatch(ctx, first); err != nil {
		t.Fatal(err)
	}
	// The same message seen by another member, and a replay of the batch.
	second := FolderBatch{Mailbox: "rep2", Folder: "INBOX", Checkpoint: model.FolderState{UIDValidity: 7, LastUID: 5},
		Activities: []model.Activity{email("a@x", "rep2", 5, "buyer@acme.example", "rep1@ourco.example")},
		Rejected:   []model.RejectedMessage{{UID: 4, Reason: "no header"}}}
	for _, b := range []FolderBatch{second, first} {
		if err := s.SaveFolderBatch(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	acts, err := s.Activities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 2 {
		t.Fatalf("got %d activities, want 2", len(acts))
	}
	a := acts[0]
	if a.Key != "a@x" || len(a.Sightings) != 2 || a.Sightings[0].Mailbox != "rep1" || a.Sightings[1].Mailbox != "rep2" {
		t.Errorf("activity a@x sightings = %+v, want rep1 and rep2", a.Sightings)
	}
	if len(a.Participants) != 2 || a.Participants[0].Email != "buyer@acme.example" || a.Participants[0].Role != model.RoleFrom {
		t.Errorf("participants = %+v", a.Participants)
	}
	if st, err := s.FolderState(ctx, "rep2", "INBOX"); err != nil || st != (model.FolderState{UIDValidity: 7, LastUID: 5}) {
		t.Errorf("rep2 checkpoint = %+v, %v", st, err)
	}
	if st, err := s.FolderState(ctx, "rep3", "INBOX"); err != nil || st != (model.FolderState{}) {
		t.Errorf("unknown folder checkpoint = %+v, %v; want zero", st, err)
	}
}

func TestSaveFolderBatchUIDValidityChangeDropsStaleSightings(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	old := FolderBatch{Mailbox: "rep1", Folder: "INBOX", Checkpoint: model.FolderState{UIDValidity: 7, LastUID: 1},
		Activities: []model.Activity{email("a@x", "rep1", 1, "buyer@acme.example")}}
	if err := s.SaveFolderBatch(ctx, old); err != nil {
		t.Fatal(err)
	}
	rescan := email("a@x", "rep1", 1, "buyer@acme.example")
	rescan.Sightings[0].UIDValidity = 8
	if err := s.SaveFolderBatch(ctx, FolderBatch{Mailbox: "rep1", Folder: "INBOX",
		Checkpoint: model.FolderState{UIDValidity: 8, LastUID: 1}, Activities: []model.Activity{rescan}}); err != nil {
		t.Fatal(err)
	}
	acts, err := s.Activities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || len(acts[0].Sightings) != 1 || acts[0].Sightings[0].UIDValidity != 8 {
		t.Errorf("after UIDVALIDITY change: %+v", acts)
	}
}

func TestSaveFolderBatchIsAtomic(t *testing.T) {
	s, _ := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.SaveFolderBatch(ctx, FolderBatch{Mailbox: "rep1", Folder: "INBOX",
		Checkpoint: model.FolderState{UIDValidity: 7, LastUID: 1}, Activities: []model.Activity{email("a@x", "rep1", 1)}})
	if err == nil {
		t.Fatal("a cancelled save succeeded")
	}
	acts, _ := s.Activities(context.Background())
	st, _ := s.FolderState(context.Background(), "rep1", "INBOX")
	if len(acts) != 0 || st.LastUID != 0 {
		t.Errorf("a failed save left %d activities and checkpoint %+v", len(acts), st)
	}
}

func TestSourceStateRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	st, err := s.SourceState(ctx, "mailbox:rep1")
	if err != nil || st.Source != "mailbox:rep1" || !st.NextPollAt.IsZero() {
		t.Fatalf("never polled: %+v, %v", st, err)
	}
	want := model.SourceState{Source: "mailbox:rep1", NextPollAt: time.Unix(1000, 0).UTC(), ErrorCount: 2,
		LastError: "login refused", LastAttemptAt: time.Unix(900, 0).UTC(), Items: 12}
	if err := s.SaveSourceState(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SourceState(ctx, "mailbox:rep1"); err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	if all, err := s.SourceStates(ctx); err != nil || len(all) != 1 || all[0] != want {
		t.Errorf("SourceStates = %+v, %v", all, err)
	}
}

func TestImportDeals(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	deals := []model.Deal{
		{ID: "D-1", Name: "Acme pilot", Account: "Acme", Domains: []string{"acme.example"}, Contacts: []string{"cto@gmail.com"},
			Owner: "rep1@ourco.example", Stage: "proposal", Status: model.DealOpen, Amount: 1200, Created: day(2)},
		{ID: "D-2", Name: "Acme rollout", Account: "Acme", Domains: []string{"acme.example", "acme-corp.example"},
			Owner: "rep2@ourco.example", Stage: "closed", Status: model.DealLost, Created: day(3), Closed: day(20)},
	}
	if _, err := s.ImportDeals(ctx, deals); err != nil {
		t.Fatal(err)
	}
	// Re-import updates by ID.
	deals[0].Stage = "negotiation"
	if _, err := s.ImportDeals(ctx, deals[:1]); err != nil {
		t.Fatal(err)
	}
	got, err := s.Deals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Stage != "negotiation" || got[1].Status != model.DealLost || !got[1].Closed.Equal(day(20)) {
		t.Fatalf("deals = %+v", got)
	}
	if !reflect.DeepEqual(got[0].Contacts, []string{"cto@gmail.com"}) {
		t.Errorf("contacts = %v", got[0].Contacts)
	}

	// A domain owned by another account refuses the whole import.
	bad := []model.Deal{
		{ID: "D-3", Name: "Fine", Account: "Initech", Domains: []string{"initech.example"}, Owner: "rep1@ourco.example", Status: model.DealOpen, Created: day(4)},
		{ID: "D-4", Name: "Clash", Account: "Other", Domains: []string{"acme.example"}, Owner: "rep1@ourco.example", Status: model.DealOpen, Created: day(4)},
	}
	_, err = s.ImportDeals(ctx, bad)
	var de *DealError
	if !errors.As(err, &de) || de.DealID != "D-4" || !strings.Contains(err.Error(), `account "Acme"`) {
		t.Fatalf("clashing domain: %v", err)
	}
	if after, _ := s.Deals(ctx); len(after) != 2 {
		t.Errorf("a refused import changed the deals: %+v", after)
	}
}

func TestConcurrentOpenOfANewDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := Open(context.Background(), path)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Open: %v", err)
		}
	}
}

// TestCheckpointsBesideTheWriter writes far fewer pages than the writer's
// own automatic checkpoint waits for: the database file still takes them,
// copied by the checkpointer.
func TestCheckpointsBesideTheWriter(t *testing.T) {
	s, path := openTest(t)
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	batch := FolderBatch{Mailbox: "rep1", Folder: "INBOX", Checkpoint: model.FolderState{UIDValidity: 7, LastUID: 300}}
	for uid := range uint32(300) {
		batch.Activities = append(batch.Activities, model.Activity{Kind: model.KindEmail, Key: fmt.Sprintf("m%d@acme.example", uid),
			At: time.Unix(1700000000, 0), Direction: model.Inbound, Snippet: strings.Repeat("text ", 200),
			Participants: []model.Participant{{Email: "buyer@acme.example", Role: model.RoleFrom}},
			Sightings:    []model.Sighting{{Mailbox: "rep1", Folder: "INBOX", UIDValidity: 7, UID: uid + 1}}})
	}
	if err := s.SaveFolderBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	// Long past a few intervals, for a loaded machine.
	const wait = 10 * time.Second
	deadline := time.Now().Add(wait)
	for size() < before+300*1000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after %v (%d before the write): the write-ahead log was not checkpointed",
				size(), wait, before)
		}
		time.Sleep(checkpointEvery / 10)
	}
}

// TestConnectionPragmas checks what every connection of a new database is
// set to, reading and writing.
func TestConnectionPragmas(t *testing.T) {
	s, _ := openTest(t)
	for _, db := range []*sql.DB{s.write, s.read} {
		// One connection for all: each of the pool's is set alike.
		conn, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var mode string
		var pages, size, fk, busy, cache int
		for _, p := range []struct {
			name string
			dest any
		}{{"journal_mode", &mode}, {"wal_autocheckpoint", &pages}, {"page_size", &size}, {"foreign_keys", &fk},
			{"busy_timeout", &busy}, {"cache_size", &cache}} {
			if err := conn.QueryRowContext(context.Background(), "PRAGMA "+p.name).Scan(p.dest); err != nil {
				t.Fatalf("PRAGMA %s: %v", p.name, err)
			}
		}
		conn.Close()
		wantCache := -2000 // SQLite's default
		if db == s.write {
			wantCache = -writeCacheKiB
		}
		if mode != "wal" || pages != autoCheckpointPages || size != pageSize || fk != 1 || busy != 10000 || cache != wantCache {
			t.Errorf("journal_mode %s, wal_autocheckpoint %d, page_size %d, foreign_keys %d, busy_timeout %d, cache_size %d; want wal, %d, %d, 1, 10000, %d",
				mode, pages, size, fk, busy, cache, autoCheckpointPages, pageSize, wantCache)
		}
	}
}
