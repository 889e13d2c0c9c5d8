package calparse

import (
	"bytes"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchEvents is the size of the benchmark feed.
const benchEvents = 5000

var (
	benchOnce sync.Once
	benchData []byte
)

// benchFeed returns the benchmark feed, generated once.
func benchFeed() []byte {
	benchOnce.Do(func() { benchData = genFeed(benchEvents) })
	return benchData
}

// TestBenchFeed checks the generated feed is what the benchmark claims:
// deterministic, about 8 MB, 5,000 events with the stated shares, about
// 24,000 occurrences in the year, read without a problem.
func TestBenchFeed(t *testing.T) {
	data := benchFeed()
	if !bytes.Equal(data, genFeed(benchEvents)) {
		t.Fatal("two generations of the feed differ")
	}
	if n := len(data); n < 7_500_000 || n > 8_500_000 {
		t.Errorf("feed is %d bytes, want about 8 MB", n)
	}
	s := string(data)
	shares := map[string]int{
		"events":           strings.Count(s, "BEGIN:VEVENT") - strings.Count(s, "RECURRENCE-ID"),
		"recurring":        countEventsWith(s, "RRULE:"),
		"with EXDATE":      countEventsWith(s, "EXDATE"),
		"with overrides":   countUIDsWithOverrides(s),
		"in Windows zones": countEventsWith(s, "DTSTART;TZID=") - countEventsWithIANA(s),
		"all-day":          countEventsWith(s, "DTSTART;VALUE=DATE:"),
	}
	want := map[string]int{"events": 5000, "recurring": 1000, "with EXDATE": 340, "with overrides": 200, "in Windows zones": 500, "all-day": 500}
	for k, w := range want {
		if g := shares[k]; g < w*9/10 || g > w*11/10 {
			t.Errorf("%s: %d, want about %d", k, g, w)
		}
	}
	res := mustParse(t, data, feedWindow)
	if n := len(res.Occurrences); n < 22_000 || n > 26_000 {
		t.Errorf("%d occurrences, want about 24,000", n)
	}
	if len(res.Problems) > 0 {
		t.Errorf("problems: %q", res.Problems)
	}
	t.Logf("feed: %d bytes, %v; %d occurrences", len(data), shares, len(res.Occurrences))
}

// countEventsWith counts the VEVENTs (masters) with a line starting with
// prefix.
func countEventsWith(s, prefix string) int {
	n := 0
	for _, ev := range strings.Split(s, "BEGIN:VEVENT")[1:] {
		if !strings.Contains(ev, "RECURRENCE-ID") && strings.Contains(ev, "\r\n"+prefix) {
			n++
		}
	}
	return n
}

func countEventsWithIANA(s string) int {
	n := 0
	for _, z := range feedZones {
		n += countEventsWith(s, "DTSTART;TZID="+z.iana+":")
	}
	return n
}

func countUIDsWithOverrides(s string) int {
	uids := map[string]bool{}
	for _, ev := range strings.Split(s, "BEGIN:VEVENT")[1:] {
		if strings.Contains(ev, "RECURRENCE-ID") {
			uid, _, _ := strings.Cut(ev[strings.Index(ev, "UID:")+4:], "\r\n")
			uids[uid] = true
		}
	}
	return len(uids)
}

// BenchmarkParseFeed parses the 8 MB feed and expands it in a one-year
// window. Besides time and allocations it reports the occurrences, the
// CPU time and the peak heap of one parse, sampled with runtime/metrics.
// BenchmarkCompareICalJS measures the peak RSS of a whole process.
func BenchmarkParseFeed(b *testing.B) {
	data := benchFeed()
	peak := peakHeap(func() {
		if _, err := Parse(data, feedWindow); err != nil {
			b.Fatal(err)
		}
	})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var n int
	cpu := selfCPU()
	for b.Loop() {
		res, err := Parse(data, feedWindow)
		if err != nil {
			b.Fatal(err)
		}
		n = len(res.Occurrences)
	}
	cpu = selfCPU() - cpu
	b.ReportMetric(float64(n), "occurrences")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	if cpu > 0 {
		// On a busy machine wall time says little; CPU time (of all
		// threads, the garbage collector's included) says what it costs.
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}

// peakHeap runs f and returns the most heap (live and not yet swept
// objects) seen while it ran, sampled every millisecond.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	read := func() {
		metrics.Read(sample)
		peak = max(peak, sample[0].Value.Uint64())
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				read()
			}
		}
	})
	f()
	read()
	close(done)
	wg.Wait()
	return peak
}
