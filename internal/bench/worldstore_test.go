package bench

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/app"
	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// fill writes the world into st through the store's API, as syncs would:
// the deals in one import, then the mail of each mailbox folder in
// batches of spec.batch, without links, so that every activity waits in
// the match queue. An activity seen in several mailboxes is written once
// per folder, each time with that folder's sighting. It ranges over the
// world's mail, which a world yields only once.
func (w *world) fill(ctx context.Context, st *store.Store) error {
	if _, err := st.ImportDeals(ctx, w.deals); err != nil {
		return fmt.Errorf("import %d deals: %w", len(w.deals), err)
	}
	type folder struct {
		batch store.FolderBatch
		uid   uint32
	}
	folders := map[model.Sighting]*folder{}
	flush := func(f *folder) error {
		if len(f.batch.Activities) == 0 {
			return nil
		}
		f.batch.Checkpoint.LastUID = f.uid
		if err := st.SaveFolderBatch(ctx, f.batch); err != nil {
			return fmt.Errorf("save %s %s up to uid %d: %w", f.batch.Mailbox, f.batch.Folder, f.uid, err)
		}
		f.batch.Activities = f.batch.Activities[:0]
		return nil
	}
	for a := range w.activities() {
		for _, sg := range a.Sightings {
			f := folders[sg]
			if f == nil {
				f = &folder{batch: store.FolderBatch{Mailbox: sg.Mailbox, Folder: sg.Folder,
					Checkpoint: model.FolderState{UIDValidity: uint32(1000 + len(folders))}}}
				folders[sg] = f
			}
			f.uid++
			c := a
			c.Sightings = []model.Sighting{{Mailbox: sg.Mailbox, Folder: sg.Folder,
				UIDValidity: f.batch.Checkpoint.UIDValidity, UID: f.uid}}
			f.batch.Activities = append(f.batch.Activities, c)
			if len(f.batch.Activities) == w.spec.batch {
				if err := flush(f); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(folders), func(a, b model.Sighting) int {
		return cmp.Or(cmp.Compare(a.Mailbox, b.Mailbox), cmp.Compare(a.Folder, b.Folder))
	}) {
		if err := flush(folders[k]); err != nil {
			return err
		}
	}
	return nil
}

// newLinker returns the linker the binary would build for the world's
// team over st: the matching configuration and mailbox owners come from
// its config through the app's own wiring.
func (w *world) newLinker(st *store.Store) *linker.Linker {
	cfg := w.config()
	return linker.New(linker.Options{Store: st, Match: app.MatchConfig(cfg), Owners: app.Owners(cfg)})
}

// matchingWorld is a world stored twice, as closed database files: queued
// (every activity waiting in the match queue, no link yet) and linked (the
// queue drained: the steady state). notes say how it was built.
type matchingWorld struct {
	w              *world
	queued, linked string
	notes          []string
}

// keepWorld names a directory where the matching benchmarks keep their
// generated store, to reuse it in later runs (profiling, trying a change)
// instead of spending minutes generating it again:
//
//	go test ./internal/bench -run '^$' -bench 'Rematch|AddOneDeal' -benchtime 1x -timeout 30m \
//	  -args -matching.world /var/tmp/dealtrail-matching
//
// The world is regenerated in memory each time (seconds) and the stored
// one is used only if it is the same.
var keepWorld = flag.String("matching.world", "",
	"keep the matching benchmarks' generated store in `dir` and reuse it while the generator is unchanged")

// million is the benchmarks' million-activity world, built at most once
// per test binary, under binDir (which TestMain removes) unless kept.
var million struct {
	once sync.Once
	mw   *matchingWorld
	err  error
}

// millionWorld returns the million-activity world, building it on first
// use (several minutes).
func millionWorld(b *testing.B) *matchingWorld {
	b.Helper()
	million.once.Do(func() {
		spec := millionSpec()
		if *keepWorld == "" {
			million.mw, million.err = buildWorld(b.Context(), filepath.Join(binDir, "matching"), spec)
			return
		}
		if mw, ok := keptWorld(*keepWorld, spec); ok {
			million.mw = mw
			return
		}
		million.mw, million.err = buildWorld(b.Context(), *keepWorld, spec)
	})
	if million.err != nil {
		b.Fatal(million.err)
	}
	return million.mw
}

// worldFiles are the files a built world leaves in dir.
func worldFiles(dir string) (queued, linked, fingerprint string) {
	return filepath.Join(dir, "queued.db"), filepath.Join(dir, "linked.db"), filepath.Join(dir, "world.txt")
}

// keptWorld regenerates spec's world in memory and returns it with the
// files kept in dir, if they hold that very world.
func keptWorld(dir string, spec worldSpec) (*matchingWorld, bool) {
	w := newWorld(spec)
	for range w.activities() {
	}
	queued, linked, fp := worldFiles(dir)
	kept, err := os.ReadFile(fp)
	if err != nil || string(kept) != w.fingerprint() {
		return nil, false
	}
	for _, f := range []string{queued, linked} {
		if _, err := os.Stat(f); err != nil {
			return nil, false
		}
	}
	return &matchingWorld{w: w, queued: queued, linked: linked, notes: []string{"world reused from " + dir}}, true
}

// buildWorld generates spec's world and stores it in dir as queued.db,
// then drains a copy of it into linked.db. Older files there are replaced.
func buildWorld(ctx context.Context, dir string, spec worldSpec) (*matchingWorld, error) {
	began := time.Now()
	w := newWorld(spec)
	queued, linked, fp := worldFiles(dir)
	mw := &matchingWorld{w: w, queued: queued, linked: linked}
	for _, f := range []string{fp, queued, linked} {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(f + suffix); err != nil && !os.IsNotExist(err) {
				return nil, err
			}
		}
	}
	st, err := store.Open(ctx, queued)
	if err != nil {
		return nil, err
	}
	if err := w.fill(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	n, err := st.CountActivities(ctx)
	if err == nil && n != spec.activities {
		err = fmt.Errorf("stored %d activities, want %d", n, spec.activities)
	}
	if err := cmp.Or(err, st.Close()); err != nil {
		return nil, err
	}
	mw.notes = append(mw.notes, fmt.Sprintf("stored %d activities of %d threads (%s), %d deals over %d accounts, in %v",
		n, len(w.plan), w.kindShares(), len(w.deals), len(w.accounts), time.Since(began).Round(time.Second)))

	began = time.Now()
	if err := copyDB(queued, linked); err != nil {
		return nil, err
	}
	st, err = store.Open(ctx, linked)
	if err != nil {
		return nil, err
	}
	sum, err := w.newLinker(st).Drain(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	counts, err := st.LinkCounts(ctx)
	if err := cmp.Or(err, st.Close()); err != nil {
		return nil, err
	}
	mw.notes = append(mw.notes, fmt.Sprintf("first match: %d activities matched in %v; links %v",
		sum.Matched, time.Since(began).Round(time.Second), counts))
	return mw, os.WriteFile(fp, []byte(w.fingerprint()), 0o600)
}

// kindShares says how the mail splits over thread kinds, in percent.
func (w *world) kindShares() string {
	names := [kindCount]string{"account", "two accounts", "free-mail contact", "prospect", "free-mail stranger", "newsletter", "reserve"}
	s := ""
	for k, n := range w.kinds {
		if k > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %.1f%%", names[k], 100*float64(n)/float64(w.spec.activities))
	}
	return s
}

// copyDB copies a closed database file, and its -wal and -shm files if
// any are left, to dst.
func copyDB(src, dst string) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := copyFile(src+suffix, dst+suffix); err != nil && (suffix == "" || !os.IsNotExist(err)) {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	// Synced, so that the first checkpoint of a benchmark does not
	// wait for the whole copy to reach the disk.
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}

// openCopy opens a private copy of a world's database file, closed when
// the test ends.
func openCopy(tb testing.TB, src string) *store.Store {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), filepath.Base(src))
	if err := copyDB(src, dst); err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(context.Background(), dst)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// addDeal imports reserve r's deal into st and drains the queue, and
// checks that exactly the reserve's mail was matched and moved onto the
// deal: its direct messages by the import, its mates through their
// threads.
func addDeal(ctx context.Context, st *store.Store, lk *linker.Linker, r *reserve) (store.ImportResult, linker.Summary, error) {
	res, err := st.ImportDeals(ctx, []model.Deal{r.deal})
	if err != nil {
		return res, linker.Summary{}, fmt.Errorf("import %s: %w", r.deal.ID, err)
	}
	sum, err := lk.Drain(ctx)
	if err != nil {
		return res, sum, fmt.Errorf("drain after %s: %w", r.deal.ID, err)
	}
	return res, sum, nil
}

// checkAdded checks what adding reserve r's deal did: the import queued
// its direct messages, the drain matched those and the mates they pulled
// in, once each, and moved all of them onto the deal.
func checkAdded(r *reserve, res store.ImportResult, sum linker.Summary) error {
	if res.Enqueued != r.direct {
		return fmt.Errorf("deal %s: the import queued %d activities, want the %d at %s", r.deal.ID, res.Enqueued, r.direct, r.deal.Domains[0])
	}
	if want := r.direct + r.mates; sum.Matched != want || len(sum.Changes) != want {
		return fmt.Errorf("deal %s: matched %d and moved %d activities, want %d (%d at %s, %d thread mates)",
			r.deal.ID, sum.Matched, len(sum.Changes), want, r.direct, r.deal.Domains[0], r.mates)
	}
	for _, c := range sum.Changes {
		if c.After.DealID != r.deal.ID || c.Before.Linked() {
			return fmt.Errorf("deal %s: activity %d moved from %+v to %+v", r.deal.ID, c.ActivityID, c.Before, c.After)
		}
	}
	return nil
}

// TestMatchingWorld builds a small world the way the matching benchmarks
// build theirs, and checks what they rely on: every activity is stored
// and queued, matching reaches every state, a rematch of the steady state
// moves nothing, and adding a reserve's deal matches exactly its mail.
func TestMatchingWorld(t *testing.T) {
	ctx := t.Context()
	spec := smallSpec()
	mw, err := buildWorld(ctx, t.TempDir(), spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, note := range mw.notes {
		t.Log(note)
	}
	st := openCopy(t, mw.linked)
	if n, err := st.QueueLength(ctx); err != nil || n != 0 {
		t.Fatalf("queue holds %d activities after the first match (%v)", n, err)
	}
	counts, err := st.LinkCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []model.LinkState{model.LinkAuto, model.LinkReview, model.LinkNone, model.LinkIgnored} {
		if counts[s] == 0 {
			t.Errorf("no %s link in %v", s, counts)
		}
	}
	lk := mw.w.newLinker(st)
	sum, err := lk.Rematch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Matched != spec.activities || len(sum.Changes) != 0 {
		t.Errorf("a rematch of the steady state matched %d and moved %d activities, want %d and none",
			sum.Matched, len(sum.Changes), spec.activities)
		for _, c := range sum.Changes[:min(5, len(sum.Changes))] {
			t.Logf("activity %d: %+v -> %+v", c.ActivityID, c.Before, c.After)
		}
	}
	mates := 0
	for _, r := range mw.w.reserves {
		mates += r.mates
		if r.direct == 0 {
			t.Errorf("reserve %s has no mail", r.deal.ID)
		}
		acts, err := st.AffectedActivities(ctx, store.Affects{Domains: r.deal.Domains})
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != r.direct {
			t.Errorf("%d activities at %s, the generator counted %d", len(acts), r.deal.Domains[0], r.direct)
		}
		res, sum, err := addDeal(ctx, st, lk, r)
		if err == nil {
			err = checkAdded(r, res, sum)
		}
		if err != nil {
			t.Error(err)
		}
	}
	if mates == 0 {
		t.Error("no reserve has thread mates written from free mail")
	}
}
