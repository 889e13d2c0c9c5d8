package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// mailWriter stores mail of rep1's INBOX through the store API, one batch
// at a time, with UIDs 1, 2, 3... (one activity each, linked to D-1), so
// that a consistent copy has exactly as many activities and sightings as
// its checkpoint says.
type mailWriter struct {
	s       *Store
	catalog int64
	lastUID atomic.Uint32
	batches atomic.Int64
}

func (w *mailWriter) batch(ctx context.Context, n int) error {
	first := w.lastUID.Load() + 1
	acts := make([]model.Activity, n)
	for i := range acts {
		uid := first + uint32(i)
		a := mail(fmt.Sprintf("m%d@acme.example", uid), int(uid%1000), "", uid, "cto@acme.example", "rep1@ourco.example")
		a.Snippet = strings.Repeat("a few words from the customer ", 20)
		if uid%3 == 0 {
			a = outbound(a)
		}
		acts[i] = linked(a, autoOn("D-1", 0.9))
	}
	b := FolderBatch{Mailbox: "rep1", Folder: "INBOX", Activities: acts, CatalogVersion: w.catalog,
		Checkpoint: model.FolderState{UIDValidity: 7, LastUID: first + uint32(n) - 1}}
	if err := w.s.SaveFolderBatch(ctx, b); err != nil {
		return err
	}
	w.lastUID.Store(b.Checkpoint.LastUID)
	w.batches.Add(1)
	return nil
}

// run writes batches of n until stop is closed, then sends its error.
func (w *mailWriter) run(ctx context.Context, n int, stop <-chan struct{}, done chan<- error) {
	for {
		select {
		case <-stop:
			done <- nil
			return
		default:
		}
		if err := w.batch(ctx, n); err != nil {
			done <- err
			return
		}
	}
}

// newMailWriter opens a store with deal D-1 and n activities written in
// batches of 200.
func newMailWriter(t *testing.T, n int) (*mailWriter, string) {
	t.Helper()
	s, path := openTest(t)
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}))
	w := &mailWriter{s: s, catalog: version(t, s)}
	for w.lastUID.Load() < uint32(n) {
		if err := w.batch(context.Background(), 200); err != nil {
			t.Fatal(err)
		}
	}
	return w, path
}

// checkCopy opens a backup and checks that it is one consistent moment
// of the writer's database: as many activities and sightings as the
// checkpoint covers, each with its participants and link, and deal
// figures equal to a recomputation. It returns the checkpoint.
func checkCopy(t *testing.T, path string, info BackupInfo) uint32 {
	t.Helper()
	if info.SchemaVersion != currentVersion {
		t.Errorf("copy has schema version %d, want %d", info.SchemaVersion, currentVersion)
	}
	if st, err := os.Stat(path); err != nil || st.Size() != info.Bytes || st.Mode().Perm() != 0o600 {
		t.Errorf("copy %s: %v, %v; want %d bytes, mode 0600", path, st, err, info.Bytes)
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + side); err == nil {
			t.Errorf("%s%s is left beside the copy", path, side)
		}
	}
	c, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer c.Close()
	st, err := c.FolderState(context.Background(), "rep1", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	var acts, sightings, incomplete int64
	if err := c.read.QueryRow(`SELECT (SELECT count(*) FROM activities), (SELECT count(*) FROM sightings),
		(SELECT count(*) FROM activities AS a WHERE (SELECT count(*) FROM participants WHERE activity_id = a.id) <> 2
		   OR NOT EXISTS (SELECT 1 FROM links WHERE activity_id = a.id AND deal_id = 'D-1'))`).Scan(&acts, &sightings, &incomplete); err != nil {
		t.Fatal(err)
	}
	if acts != int64(st.LastUID) || sightings != acts || info.Activities != acts || incomplete != 0 {
		t.Errorf("copy: checkpoint %d, %d activities (info says %d), %d sightings, %d without their participants or link",
			st.LastUID, acts, info.Activities, sightings, incomplete)
	}
	checkFigures(t, c, tmin(2000))
	return st.LastUID
}

// TestBackupIsASnapshotWhileTheDaemonWrites takes the snapshot, lets the
// writer commit three more batches, and only then copies: the copy is the
// database as of the snapshot, none of the later batches, and consistent.
func TestBackupIsASnapshotWhileTheDaemonWrites(t *testing.T) {
	ctx := context.Background()
	w, path := newMailWriter(t, 3000)
	stop, done := make(chan struct{}), make(chan error, 1)
	go w.run(ctx, 10, stop, done)
	out := filepath.Join(t.TempDir(), "copy.db")
	var atSnapshot uint32
	info, err := backup(ctx, path, out, func() {
		atSnapshot = w.lastUID.Load()
		for start := w.batches.Load(); w.batches.Load() < start+3; {
			time.Sleep(time.Millisecond)
		}
	})
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatalf("the writer failed: %v", werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	got := checkCopy(t, out, info)
	// The writer may have committed one more batch (10 UIDs) between the
	// snapshot and the hook's look; the three it was made to commit
	// after that are not there.
	if got < 3000 || got > atSnapshot+10 || got+20 > w.lastUID.Load() {
		t.Errorf("copy covers UIDs to %d; at the snapshot the writer was at %d, at the end %d", got, atSnapshot, w.lastUID.Load())
	}
	if info.Pages == 0 || info.Deals != 1 {
		t.Errorf("info %+v", info)
	}
}

// TestBackupWhileWriting copies three times while a writer keeps
// committing, each copy consistent, and refuses to overwrite any.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	w, path := newMailWriter(t, 2000)
	stop, done := make(chan struct{}), make(chan error, 1)
	go w.run(ctx, 5, stop, done)
	dir := t.TempDir()
	var outs []string
	var infos []BackupInfo
	for i := range 3 {
		out := filepath.Join(dir, fmt.Sprintf("copy%d.db", i))
		info, err := Backup(ctx, path, out)
		if err != nil {
			t.Fatal(err)
		}
		outs, infos = append(outs, out), append(infos, info)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("the writer failed: %v", err)
	}
	var last uint32
	for i, out := range outs {
		got := checkCopy(t, out, infos[i])
		if got < last {
			t.Errorf("copy %d covers UIDs to %d, before copy %d (%d)", i, got, i-1, last)
		}
		last = got
	}
	if w.batches.Load() < 3 {
		t.Errorf("the writer wrote %d batches during the backups", w.batches.Load())
	}

	before, err := os.ReadFile(outs[0])
	if err != nil {
		t.Fatal(err)
	}
	_, err = Backup(ctx, path, outs[0])
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), outs[0]) {
		t.Errorf("backup over an existing file: %v, want ErrExists naming it", err)
	}
	if after, _ := os.ReadFile(outs[0]); string(after) != string(before) {
		t.Error("the existing file changed")
	}
	if _, err := Backup(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")); err == nil {
		t.Error("backup of a missing database succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); err == nil {
		t.Error("a failed backup left its file")
	}
}

// TestBackupCancelled stops a copy by its context and leaves no file.
func TestBackupCancelled(t *testing.T) {
	_, path := newMailWriter(t, 200)
	ctx, cancel := context.WithCancel(context.Background())
	out := filepath.Join(t.TempDir(), "copy.db")
	_, err := backup(ctx, path, out, cancel)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled backup: %v", err)
	}
	for _, p := range []string{out, out + "-journal"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a cancelled backup left %s", p)
		}
	}
}

// TestCheckDatabaseFindsDamage damages a copy and checks that
// CheckDatabase says so.
func TestCheckDatabaseFindsDamage(t *testing.T) {
	ctx := context.Background()
	_, path := newMailWriter(t, 600)
	out := filepath.Join(t.TempDir(), "copy.db")
	info, err := Backup(ctx, path, out)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over the pages after the first two, keeping the header
	// and the schema readable (at 4 KB, the scribbles fell on the schema
	// page, and the check failed for that instead).
	page := pageSize
	for i := 2 * page; i < len(data) && i < info.Pages*page; i += page {
		copy(data[i+8:i+64], strings.Repeat("\xff", 56))
	}
	if err := os.WriteFile(out, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckDatabase(ctx, out); err == nil {
		t.Error("CheckDatabase of a damaged copy: no error")
	}
}
