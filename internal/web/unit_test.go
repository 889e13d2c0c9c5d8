package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/timeline"
)

func TestClean(t *testing.T) {
	for _, r := range []rune{0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c} {
		if got := clean("a" + string(r) + "b"); got != "a\ufffdb" {
			t.Errorf("clean(U+%04X) = %q", r, got)
		}
	}
	if got := clean("Zoë <x> & 中文 עברית"); got != "Zoë <x> & 中文 עברית" {
		t.Errorf("clean changed ordinary text: %q", got)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/review?who=all":        "/review?who=all",
		"/deals/D-1#activity-3":  "/deals/D-1#activity-3",
		"":                       "/deals",
		"//evil.example":         "/deals",
		"/\\evil.example":        "/deals",
		"https://evil.example/x": "/deals",
		"deals":                  "/deals",
		"/x\r\nSet-Cookie: a=b":  "/deals",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCachedSharesLoadsAndDrops(t *testing.T) {
	c := cached[int]{ttl: time.Hour}
	var loads atomic.Int32
	release := make(chan struct{})
	load := func(context.Context) (int, error) {
		n := loads.Add(1)
		<-release
		return int(n), nil
	}
	var wg sync.WaitGroup
	results := make([]int, 8)
	for i := range results {
		wg.Go(func() {
			v, err := c.get(context.Background(), load)
			if err != nil {
				t.Error(err)
			}
			results[i] = v
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if loads.Load() != 1 {
		t.Errorf("%d loads for 8 concurrent misses, want 1", loads.Load())
	}
	if v, _ := c.get(context.Background(), load); v != 1 {
		t.Errorf("kept value %d, want 1", v)
	}
	c.drop()
	if v, _ := c.get(context.Background(), load); v != 2 {
		t.Errorf("after drop got %d, want a fresh load", v)
	}
	// An error is not kept.
	failing := cached[int]{ttl: time.Hour}
	if _, err := failing.get(context.Background(), func(context.Context) (int, error) { return 0, errors.New("boom") }); err == nil {
		t.Error("no error")
	}
	if v, _ := failing.get(context.Background(), func(context.Context) (int, error) { return 5, nil }); v != 5 {
		t.Errorf("after an error got %d", v)
	}
}

func TestCachedDropDuringLoad(t *testing.T) {
	c := cached[int]{ttl: time.Hour}
	started, release := make(chan struct{}), make(chan struct{})
	go func() {
		_, _ = c.get(context.Background(), func(context.Context) (int, error) {
			close(started)
			<-release
			return 1, nil // read before the write below
		})
	}()
	<-started
	c.drop() // a write happened while the load ran
	v, err := c.get(context.Background(), func(context.Context) (int, error) { return 2, nil })
	close(release)
	if err != nil || v != 2 {
		t.Errorf("a request after a write got %d, %v; want a load of its own", v, err)
	}
	time.Sleep(20 * time.Millisecond)
	if v, _ := c.get(context.Background(), func(context.Context) (int, error) { return 3, nil }); v != 2 {
		t.Errorf("kept %d, want the value loaded after the write", v)
	}
}

func TestTimelineCacheEvicts(t *testing.T) {
	tc := newTimelineCache()
	builds := 0
	build := func(context.Context) (*builtTimeline, error) { builds++; return &builtTimeline{}, nil }
	for i := range timelineCacheSize + 1 {
		if _, err := tc.get(context.Background(), string(rune('a'+i)), 1, build); err != nil {
			t.Fatal(err)
		}
	}
	if len(tc.entries) != timelineCacheSize {
		t.Errorf("%d entries, want at most %d", len(tc.entries), timelineCacheSize)
	}
	// A newer version shows the kept timeline while one build in the
	// background replaces it.
	deal := string(rune('a' + timelineCacheSize))
	kept, _ := tc.get(context.Background(), deal, 1, build)
	built := make(chan *builtTimeline, 2)
	rebuild := func(context.Context) (*builtTimeline, error) {
		tl := &builtTimeline{}
		built <- tl
		return tl, nil
	}
	if tl, err := tc.get(context.Background(), deal, 2, rebuild); err != nil || tl != kept {
		t.Errorf("a newer version got %p, %v; want the kept timeline %p at once", tl, err, kept)
	}
	var fresh *builtTimeline
	select {
	case fresh = <-built:
	case <-time.After(5 * time.Second):
		t.Fatal("no build of the newer version")
	}
	// The build keeps what it built just after returning it.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		tl, err := tc.get(context.Background(), deal, 2, rebuild)
		if err != nil {
			t.Fatal(err)
		}
		if tl == fresh {
			break
		}
		runtime.Gosched()
	}
	if tl, _ := tc.get(context.Background(), deal, 2, rebuild); tl != fresh || len(built) != 0 {
		t.Errorf("got %p after the build (%d more builds), want the new timeline %p", tl, len(built), fresh)
	}
}

func TestThrottleForgetsIdleEntries(t *testing.T) {
	th := newThrottle()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th.fail(at, []string{"account:a"}, []int{maxFailures})
	th.fail(at.Add(forgetAfter+2*time.Minute), []string{"account:b"}, []int{maxFailures})
	if _, ok := th.entries["account:a"]; ok {
		t.Error("an entry idle for a day was kept")
	}
	if th.wait(at, "account:b") != 0 {
		t.Error("one failure locked the account")
	}
}

func TestWindowGroupsNewestFirst(t *testing.T) {
	tl := timeline.Timeline{Months: []timeline.Month{
		{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Items: []timeline.Item{item(1, 2026, 1, 5), item(2, 2026, 1, 20)}},
		{Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Items: []timeline.Item{item(3, 2026, 3, 1)}},
	}}
	s := &Server{names: map[string]string{}}
	months, shown, older := s.window(tl, 0, false)
	if shown != 3 || older != 0 || len(months) != 2 || months[0].Items[0].ID != 3 || months[1].Items[0].ID != 2 {
		t.Errorf("window = %+v, %d, %d", months, shown, older)
	}
	months, shown, _ = s.window(tl, 3, false)
	if shown != 2 || months[0].Items[0].ID != 2 {
		t.Errorf("before=3: %+v", months)
	}
	if _, shown, _ = s.window(tl, 99, false); shown != 3 {
		t.Errorf("before an unknown activity: %d shown, want all from the newest", shown)
	}
}

// item is a timeline item of activity id on a day.
func item(id int64, y int, m time.Month, d int) timeline.Item {
	it := timeline.Item{}
	it.Activity.ID, it.Activity.At = id, time.Date(y, m, d, 9, 0, 0, 0, time.UTC)
	return it
}

func TestPageOfBounds(t *testing.T) {
	for _, tt := range []struct {
		query            string
		n                int
		page, start, end int
	}{
		{"", 250, 1, 0, 100},
		{"page=3", 250, 3, 200, 250},
		{"page=4", 250, 4, 250, 250},
		{"page=-2", 250, 1, 0, 100},
		{"page=92233720368547760", 250, 92233720368547760, 250, 250},
	} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodGet, "/deals?"+tt.query, nil)
		page, start, end := pageOf(c, tt.n)
		if page != tt.page || start != tt.start || end != tt.end {
			t.Errorf("pageOf(%q, %d) = %d, %d, %d; want %d, %d, %d", tt.query, tt.n, page, start, end, tt.page, tt.start, tt.end)
		}
	}
}
