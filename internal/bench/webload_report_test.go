package bench

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// What the web load benchmark (webload_test.go) reports and checks.

// summary is a table of the run's figures.
func (e *webLoadEnv) summary(r *loadRun) string {
	base := r.res.stats(routeBaseline)
	var t strings.Builder
	fmt.Fprintf(&t, "%d deals, %d activities; %d browsers for %v after %v of warm-up; a sync writing %d messages every %v\n",
		e.deals, e.activities, len(e.browsers), r.window, r.warmUp, syncBatch, syncEvery)
	fmt.Fprintf(&t, "%-20s %8s %8s %8s %8s %8s %9s %8s  %s\n",
		"route", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "p95/base", "KiB", "p95 < 100 ms")
	for _, route := range []string{routeDeals, routeDealsPlain, routeDealsOwner, routeDealsSearch, routeTimeline, routeBaseline} {
		s := r.res.stats(route)
		target := ""
		if route == routeDeals || route == routeTimeline {
			target = verdict(s.n > 0 && s.p95 < targetWebP95)
		}
		ratio := 0.0
		if base.p95 > 0 {
			ratio = float64(s.p95) / float64(base.p95)
		}
		fmt.Fprintf(&t, "%-20s %8d %8.1f %8.1f %8.1f %8.1f %9.1f %8.1f  %s\n", route, s.n,
			ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max), ratio, float64(s.meanBytes)/1024, target)
	}
	fmt.Fprintf(&t, "requests: %.0f/s; failed %d, \"database is locked\" %d\n",
		float64(r.requests)/r.window.Seconds(), len(r.res.failures), r.res.locked)
	bs := durationStats(r.batchTimes)
	fmt.Fprintf(&t, "sync: %d messages in %d batches over %v: %.0f messages/s (%d about %s); batch p50 %.1f ms, p95 %.1f ms, max %.1f ms; %d failed\n",
		r.written, r.batches, r.syncTime.Round(time.Millisecond), r.syncRate(), r.big, e.bd.deal.ID,
		ms(bs.p50), ms(bs.p95), ms(bs.max), len(r.syncErrs))
	if a, z := r.cpu[0], r.cpu[1]; a.ok && z.ok && z.total > a.total {
		total := float64(z.total - a.total)
		fmt.Fprintf(&t, "CPU over the window (%d cores): this process %.0f%% (%.1f ms a request, the sync's and the browsers' included), "+
			"the whole machine %.0f%% (other processes %.0f%%)\n",
			runtime.NumCPU(), 100*float64(z.self-a.self)/total, ms(z.self-a.self)/float64(max(r.requests, 1)),
			100*float64(z.busy-a.busy)/total, 100*(float64(z.busy-a.busy)-float64(z.self-a.self))/total)
	}
	c := e.cold
	fmt.Fprintf(&t, "idle, medians of %d: store.DealSummaries %.1f ms, store.DealActivities(%s) %.1f ms, timeline.Build and Chart %.1f ms; "+
		"a page not kept for the session: deals list %.1f ms, timeline %.1f ms\n",
		coldRounds, ms(c.summaries), e.bd.deal.ID, ms(c.activities), ms(c.build), ms(c.dealsPage), ms(c.timelinePage))
	fmt.Fprintf(&t, "setup: opening the copy (migrations) %v; the big deal's %d emails stored and matched in %v",
		e.migrated.Round(time.Millisecond), e.bigEmails, e.bigAdded.Round(time.Millisecond))
	return t.String()
}

// syncRate is the messages the sync wrote per second.
func (r *loadRun) syncRate() float64 { return float64(r.written) / r.syncTime.Seconds() }

// durationStats summarises ds as a route's latencies.
func durationStats(ds []time.Duration) routeStats {
	lr := newLoadResults()
	lr.latencies[""] = ds
	return lr.stats("")
}

// report logs the table of the run and reports its figures.
func (e *webLoadEnv) report(b *testing.B, r *loadRun) {
	b.Log("\n" + e.summary(r))
	for _, m := range []struct{ route, name string }{
		{routeDeals, "deals"}, {routeTimeline, "timeline"}, {routeBaseline, "healthz"},
	} {
		s := r.res.stats(m.route)
		b.ReportMetric(ms(s.p50), m.name+"-p50-ms")
		b.ReportMetric(ms(s.p95), m.name+"-p95-ms")
		b.ReportMetric(ms(s.p99), m.name+"-p99-ms")
	}
	b.ReportMetric(float64(r.requests)/r.window.Seconds(), "req/s")
	b.ReportMetric(float64(len(r.res.failures)), "errors")
	b.ReportMetric(float64(r.res.locked), "locked")
	b.ReportMetric(r.syncRate(), "sync-msgs/s")
	b.ReportMetric(e.migrated.Seconds(), "migrate-s")
}

// check fails unless every request answered 200 without "database is
// locked", every sync batch was stored, and the big deal gained exactly
// the sync's messages about it.
func (e *webLoadEnv) check(tb testing.TB, r *loadRun) {
	tb.Helper()
	if lines := e.warnings.lines(); len(lines) > 0 {
		tb.Logf("%d warnings logged; the first: %s", len(lines), strings.Join(lines[:min(5, len(lines))], " | "))
	}
	sum, err := e.st.DealSummary(tb.Context(), e.bd.deal.ID, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	if want := e.bigEmails + r.big; sum.Emails != want {
		tb.Errorf("deal %s has %d emails after the run, want %d (%d before, %d written by the sync)",
			e.bd.deal.ID, sum.Emails, want, e.bigEmails, r.big)
	}
	locked := r.res.locked
	for _, err := range r.syncErrs {
		if strings.Contains(err.Error(), "database is locked") {
			locked++
		}
	}
	if len(r.res.failures)+len(r.syncErrs) > 0 {
		for _, f := range r.res.failures[:min(10, len(r.res.failures))] {
			tb.Log(f)
		}
		for _, err := range r.syncErrs[:min(10, len(r.syncErrs))] {
			tb.Log("sync:", err)
		}
		tb.Fatalf("%d requests and %d sync batches failed, %d with \"database is locked\"",
			len(r.res.failures), len(r.syncErrs), locked)
	}
}

// lineLog keeps the log lines written to it.
type lineLog struct {
	mu sync.Mutex
	ls []string
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ls = append(l.ls, strings.TrimSpace(string(p)))
	return len(p), nil
}

func (l *lineLog) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string{}, l.ls...)
}
