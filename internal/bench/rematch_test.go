package bench

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/app"
	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/match"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// The matching benchmarks (issue: "matching throughput on 1,000,000 stored
// activities and 10,000 deals"). Run them with:
//
//	go test ./internal/bench -run '^$' -bench 'Rematch|AddOneDeal' -benchtime 1x -timeout 30m
//
// The first of them generates the world (world_test.go, worldmail_test.go)
// and stores it through the store's API (worldstore_test.go), once per test
// binary: several minutes. Every benchmark then works on its own copy of
// the database file. The targets
// are reported beside the figures in the README; the benchmarks do not
// fail on them, as a shared machine is noisy, but they do fail when the
// work done is not the work expected.

// Targets of the matching benchmarks.
const (
	targetRematch        = 30 * time.Second // a full rematch of the million
	targetActivitiesPerS = 50_000
	targetAddOneDeal     = 100 * time.Millisecond
)

// rematchChunk is how many activities the read baseline takes at a time,
// as the linker's full rematch does.
const rematchChunk = 5000

// BenchmarkRematchMillion matches the million stored activities against
// the 10,000 deals:
//
//   - read: store.EachActivity alone, as a rematch reads, the baseline;
//   - first: linker.Drain of a store where every activity waits in the
//     queue and none has a link yet (what syncing without links leaves);
//   - steady: linker.Rematch of the drained store, links in place, by a
//     new linker as "dealtrail rematch" runs it (the target).
//
// Each reports activities/s (stored activities over wall time) and s/op.
func BenchmarkRematchMillion(b *testing.B) {
	if testing.Short() {
		b.Skip("the matching benchmarks take minutes")
	}
	mw := millionWorld(b)
	n := mw.w.spec.activities
	ctx := b.Context()

	b.Run("read", func(b *testing.B) {
		for _, note := range mw.notes {
			b.Log(note)
		}
		st := openCopy(b, mw.linked)
		for b.Loop() {
			seen := 0
			err := st.EachActivity(ctx, rematchChunk, func(acts []model.Activity) error {
				seen += len(acts)
				return nil
			})
			if err != nil || seen != n {
				b.Fatalf("read %d activities of %d: %v", seen, n, err)
			}
		}
		reportThroughput(b, n)
	})

	b.Run("first", func(b *testing.B) {
		var sum linker.Summary
		for b.Loop() {
			b.StopTimer()
			st, done := openFresh(b, mw.queued)
			lk := mw.w.newLinker(st)
			b.StartTimer()
			var err error
			if sum, err = lk.Drain(ctx); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if q, err := st.QueueLength(ctx); err != nil || q != 0 {
				b.Fatalf("%d activities still queued after the drain (%v)", q, err)
			}
			done()
			b.StartTimer()
		}
		if sum.Matched < n {
			b.Fatalf("matched %d activities of %d", sum.Matched, n)
		}
		reportThroughput(b, n)
		b.ReportMetric(float64(sum.Matched), "matched")
		b.ReportMetric(float64(len(sum.Changes)), "linked")
	})

	b.Run("steady", func(b *testing.B) {
		st := openCopy(b, mw.linked)
		var sum linker.Summary
		for b.Loop() {
			var err error
			if sum, err = mw.w.newLinker(st).Rematch(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if sum.Matched != n {
			b.Fatalf("rematched %d activities, want %d", sum.Matched, n)
		}
		// The steady state is a fixed point: the first drain and a full
		// rematch agree on every link.
		if len(sum.Changes) != 0 {
			b.Errorf("a rematch of the steady state moved %d activities, want none", len(sum.Changes))
		}
		reportThroughput(b, n)
		per := b.Elapsed() / time.Duration(b.N)
		b.Logf("full rematch of %d activities: %.1f s (target < %v: %s), %.0f activities/s (target ≥ %d: %s)",
			n, per.Seconds(), targetRematch, verdict(per < targetRematch),
			float64(n)/per.Seconds(), targetActivitiesPerS, verdict(float64(n)/per.Seconds() >= targetActivitiesPerS))
	})
}

// addRounds is how many deals one op of BenchmarkAddOneDeal adds, one
// after the other, so that even a run of -benchtime 1x gives a median.
const addRounds = 16

// BenchmarkAddOneDeal imports one new deal, for a company that wrote to
// the team (100 to 300 stored messages) but had no deal, into the drained
// million-activity store, then drains the queue, as "deals import" and a
// running server do. Each round adds another such company, so every round
// starts from the same state; one op is addRounds rounds. It fails unless
// the import queued exactly the messages at the company's domain, and the
// drain matched those and the thread mates they pulled in (written from
// free mail), once each, and moved all onto the new deal: the generator
// counted them. It reports per deal (round) the mean, median and worst
// time, the split between import and drain, and the activities matched;
// and the times to load the whole catalog and to index it again (the
// second is a part of every such drain).
func BenchmarkAddOneDeal(b *testing.B) {
	if testing.Short() {
		b.Skip("the matching benchmarks take minutes")
	}
	mw := millionWorld(b)
	n := mw.w.spec.activities
	ctx := b.Context()
	var (
		st   *store.Store
		lk   *linker.Linker
		done func()
		next int
	)
	fresh := func() {
		if done != nil {
			done()
		}
		st, done = openFresh(b, mw.linked)
		lk = mw.w.newLinker(st)
		// A running linker has its matcher built already.
		if _, err := lk.Drain(ctx); err != nil {
			b.Fatal(err)
		}
		next = 0
	}
	fresh()
	defer func() { done() }()
	reload, reindex := matcherRebuild(ctx, b, mw.w, st)

	var importing, draining time.Duration
	var rounds []time.Duration
	matched := 0
	for b.Loop() {
		for range addRounds {
			if next == len(mw.w.reserves) {
				b.StopTimer()
				fresh()
				b.StartTimer()
			}
			r := mw.w.reserves[next]
			next++
			began := time.Now()
			res, err := st.ImportDeals(ctx, []model.Deal{r.deal})
			if err != nil {
				b.Fatal(err)
			}
			imported := time.Now()
			sum, err := lk.Drain(ctx)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			drained := time.Now()
			importing += imported.Sub(began)
			draining += drained.Sub(imported)
			rounds = append(rounds, drained.Sub(began))
			if err := checkAdded(r, res, sum); err != nil {
				b.Fatal(err)
			}
			if len(rounds) <= 3 {
				b.Logf("deal %s (%s): import %v queued %d, drain %v matched %d (%d at the domain, %d thread mates)",
					r.deal.ID, r.deal.Domains[0], imported.Sub(began).Round(time.Millisecond), res.Enqueued,
					drained.Sub(imported).Round(time.Millisecond), sum.Matched, r.direct, r.mates)
			}
			matched += sum.Matched
			b.StartTimer()
		}
	}
	deals := float64(len(rounds))
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	slices.Sort(rounds)
	mean := (importing + draining) / time.Duration(len(rounds))
	b.ReportMetric(ms(mean), "ms/deal")
	b.ReportMetric(ms(rounds[len(rounds)/2]), "median-ms/deal")
	b.ReportMetric(ms(rounds[len(rounds)-1]), "max-ms/deal")
	b.ReportMetric(ms(importing)/deals, "import-ms/deal")
	b.ReportMetric(ms(draining)/deals, "drain-ms/deal")
	b.ReportMetric(ms(reload), "full-reload-ms")
	b.ReportMetric(ms(reindex), "reindex-ms")
	b.ReportMetric(float64(matched)/deals, "matched/deal")
	median := rounds[len(rounds)/2]
	b.Logf("adding one deal: mean %v, median %v (target < %v: %s), %.0f activities matched of %d",
		mean.Round(time.Millisecond), median.Round(time.Millisecond), targetAddOneDeal,
		verdict(median < targetAddOneDeal), float64(matched)/deals, n)
}

// matcherRebuild times what a linker does when it loads the catalog
// whole (read every deal and rule, and index them: a new linker) and the
// part of it that every later change costs (indexing; the changed deals
// alone are read). The median of three each.
func matcherRebuild(ctx context.Context, b *testing.B, w *world, st *store.Store) (full, index time.Duration) {
	cfg := app.MatchConfig(w.config())
	var fulls, indexes []time.Duration
	for range 3 {
		began := time.Now()
		cat, err := st.Catalog(ctx, 0)
		if err != nil {
			b.Fatal(err)
		}
		read := time.Now()
		match.New(cfg, cat.Deals, cat.Rules)
		fulls, indexes = append(fulls, time.Since(began)), append(indexes, time.Since(read))
	}
	slices.Sort(fulls)
	slices.Sort(indexes)
	return fulls[1], indexes[1]
}

// reportThroughput reports the stored activities handled per second and
// the seconds per run.
func reportThroughput(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "activities/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
}

// openFresh opens a private copy of a world's database file; done closes
// it and removes the copy, so that rounds needing a fresh copy each do not
// pile up gigabytes.
func openFresh(b *testing.B, src string) (*store.Store, func()) {
	b.Helper()
	dir, err := os.MkdirTemp(filepath.Dir(src), "copy-")
	if err != nil {
		b.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := copyDB(src, dst); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(context.Background(), dst)
	if err != nil {
		b.Fatal(err)
	}
	return st, func() {
		st.Close()
		os.RemoveAll(dir)
	}
}
