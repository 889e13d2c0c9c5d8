package schedule

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Min: 30 * time.Second, Max: time.Hour, Jitter: 0.2}
	half := func() float64 { return 0.5 } // no jitter
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 30 * time.Second},
		{1, 30 * time.Second},
		{2, time.Minute},
		{3, 2 * time.Minute},
		{7, 32 * time.Minute},
		{8, time.Hour},
		{9, time.Hour},
		{5000, time.Hour},
	} {
		if got := b.Delay(tc.failures, half); got != tc.want {
			t.Errorf("Delay(%d) = %v, want %v", tc.failures, got, tc.want)
		}
	}
	if got := b.Delay(1, func() float64 { return 0 }); got != 24*time.Second {
		t.Errorf("lowest jitter of the first delay = %v, want 24s", got)
	}
	if got := b.Delay(20, func() float64 { return 0.999999 }); got < 71*time.Minute || got > 72*time.Minute {
		t.Errorf("highest jitter at the cap = %v, want about 72m", got)
	}
	if got := b.Delay(3, nil); got != 2*time.Minute {
		t.Errorf("Delay without rand = %v, want 2m", got)
	}
	// Spread: many sources failing together must not retry together.
	seen := map[time.Duration]bool{}
	for range 100 {
		seen[DefaultBackoff.Delay(4, nil)] = true
	}
	r := newSeq(0.1, 0.3, 0.6, 0.9)
	for range 4 {
		seen[DefaultBackoff.Delay(4, r)] = true
	}
	if len(seen) != 5 {
		t.Errorf("jitter gave %d distinct delays, want 5", len(seen))
	}
}

func newSeq(vals ...float64) func() float64 {
	i := 0
	return func() float64 { v := vals[i%len(vals)]; i++; return v }
}

func TestOnceRecordsOutcome(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	clk := newFakeClock(t0)
	st := newMemState()
	l := &Loop{Source: "mailbox:a", Store: st, Interval: 2 * time.Minute, Clock: clk, Rand: func() float64 { return 0.5 }}
	ctx := context.Background()

	// Success: the pessimistic time is written before the job runs.
	items, err := l.Once(ctx, func(ctx context.Context) (int64, error) {
		got := st.get("mailbox:a")
		if want := t0.Add(30 * time.Second); !got.NextPollAt.Equal(want) || !got.LastAttemptAt.Equal(t0) {
			t.Errorf("during the attempt: next %v attempt %v, want next %v", got.NextPollAt, got.LastAttemptAt, want)
		}
		clk.Advance(5 * time.Second) // the poll takes time
		return 42, nil
	})
	if err != nil || items != 42 {
		t.Fatalf("Once = %d, %v", items, err)
	}
	got := st.get("mailbox:a")
	end := t0.Add(5 * time.Second)
	if got.ErrorCount != 0 || got.Items != 42 || !got.LastSuccessAt.Equal(end) || !got.NextPollAt.Equal(end.Add(2*time.Minute)) {
		t.Fatalf("after success: %+v", got)
	}

	// Failures double the wait; a throttled server asks for more.
	boom := errors.New("connection refused")
	for i, want := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute} {
		now := clk.Now()
		if _, err := l.Once(ctx, func(context.Context) (int64, error) { return 0, boom }); !errors.Is(err, boom) {
			t.Fatalf("Once = %v, want %v", err, boom)
		}
		got := st.get("mailbox:a")
		if got.ErrorCount != i+1 || got.LastError != "connection refused" || !got.NextPollAt.Equal(now.Add(want)) {
			t.Fatalf("after failure %d: %+v, want next poll %v", i+1, got, now.Add(want))
		}
		if !got.LastSuccessAt.Equal(end) || got.Items != 42 {
			t.Fatalf("a failure must keep the last success: %+v", got)
		}
	}
	now := clk.Now()
	l.Once(ctx, func(context.Context) (int64, error) { return 0, throttled{time.Hour} })
	if got := st.get("mailbox:a"); !got.NextPollAt.Equal(now.Add(time.Hour)) || got.ErrorCount != 4 {
		t.Fatalf("after throttling: %+v", got)
	}

	// Stopped by us: not a failure, due again at once.
	cctx, cancel := context.WithCancel(ctx)
	now = clk.Now()
	l.Once(cctx, func(ctx context.Context) (int64, error) { cancel(); return 0, ctx.Err() })
	if got := st.get("mailbox:a"); !got.NextPollAt.Equal(now) || got.ErrorCount != 4 {
		t.Fatalf("after cancel: %+v", got)
	}

	// Success resets the count.
	l.Once(ctx, func(context.Context) (int64, error) { return 1, nil })
	if got := st.get("mailbox:a"); got.ErrorCount != 0 || got.LastError != "" {
		t.Fatalf("after recovery: %+v", got)
	}
}

func TestOnceDoesNotRunUnrecorded(t *testing.T) {
	st := newMemState()
	st.failSave = errors.New("disk full")
	l := &Loop{Source: "s", Store: st, Clock: newFakeClock(time.Unix(0, 0))}
	ran := false
	_, err := l.Once(context.Background(), func(context.Context) (int64, error) { ran = true; return 0, nil })
	if err == nil || ran {
		t.Fatalf("Once = %v, ran %v: want an error and no attempt", err, ran)
	}
}

type throttled struct{ d time.Duration }

func (e throttled) Error() string             { return "NO [THROTTLED]" }
func (e throttled) RetryAfter() time.Duration { return e.d }

func TestRunWaitsForTheDueTime(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	clk := newFakeClock(t0)
	st := newMemState()
	l := &Loop{Source: "s", Store: st, Interval: 10 * time.Minute, Recheck: time.Hour, Clock: clk, Rand: func() float64 { return 0.5 }}
	calls := make(chan int, 10)
	results := make(chan error, 10)
	n := 0
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- l.Run(ctx, func(context.Context) (int64, error) {
			n++
			calls <- n
			return 0, <-results
		})
	}()

	// Never polled: due at once.
	results <- nil
	waitCall(t, calls, 1)
	timer := clk.waitTimer(t)
	if want := t0.Add(10 * time.Minute); !timer.Equal(want) {
		t.Fatalf("waits until %v, want %v", timer, want)
	}
	clk.Advance(10*time.Minute - time.Second)
	noCall(t, calls)

	// Due: it polls, fails, and backs off 30s.
	results <- errors.New("timeout")
	clk.Advance(time.Second)
	waitCall(t, calls, 2)
	timer = clk.waitTimer(t)
	if want := clk.Now().Add(30 * time.Second); !timer.Equal(want) {
		t.Fatalf("after a failure waits until %v, want %v", timer, want)
	}
	results <- errors.New("timeout")
	clk.Advance(30 * time.Second)
	waitCall(t, calls, 3)
	if timer = clk.waitTimer(t); !timer.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("after a second failure waits until %v, want a minute later", timer)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop when its context was cancelled")
	}
}

func TestRunRechecksTheDueTime(t *testing.T) {
	clk := newFakeClock(time.Unix(1e9, 0))
	st := newMemState()
	l := &Loop{Source: "s", Store: st, Interval: time.Hour, Recheck: time.Minute, Clock: clk}
	calls := make(chan int, 10)
	n := 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx, func(context.Context) (int64, error) { n++; calls <- n; return 0, nil })
	waitCall(t, calls, 1)
	if at := clk.waitTimer(t); !at.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("waits until %v, want one recheck (a minute)", at)
	}
	// Made due from elsewhere (the UI): taken at the next recheck.
	s := st.get("s")
	s.NextPollAt = clk.Now()
	st.SaveSourceState(ctx, s)
	noCall(t, calls)
	clk.Advance(time.Minute)
	waitCall(t, calls, 2)
}

func TestRunSurvivesAFailingStore(t *testing.T) {
	clk := newFakeClock(time.Unix(1e9, 0))
	st := newMemState()
	st.failGet = errors.New("database is locked")
	l := &Loop{Source: "s", Store: st, Clock: clk, Rand: func() float64 { return 0.5 }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	ran := make(chan struct{}, 1)
	go func() {
		done <- l.Run(ctx, func(context.Context) (int64, error) { ran <- struct{}{}; return 0, nil })
	}()
	// It waits (no busy loop) and retries after the backoff.
	if at := clk.waitTimer(t); !at.Equal(clk.Now().Add(30 * time.Second)) {
		t.Fatalf("waits until %v after a store failure, want 30s", at)
	}
	st.mu.Lock()
	st.failGet = nil
	st.mu.Unlock()
	clk.Advance(30 * time.Second)
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("no poll once the store recovered")
	}
	cancel()
	<-done
}

func waitCall(t *testing.T, calls <-chan int, want int) {
	t.Helper()
	select {
	case got := <-calls:
		if got != want {
			t.Fatalf("call %d, want %d", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("call %d did not happen", want)
	}
}

func noCall(t *testing.T, calls <-chan int) {
	t.Helper()
	select {
	case got := <-calls:
		t.Fatalf("unexpected call %d", got)
	case <-time.After(50 * time.Millisecond):
	}
}

// memState is an in-memory StateStore.
type memState struct {
	mu       sync.Mutex
	m        map[string]model.SourceState
	failGet  error
	failSave error
}

func newMemState() *memState { return &memState{m: map[string]model.SourceState{}} }

func (s *memState) SourceState(_ context.Context, source string) (model.SourceState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failGet != nil {
		return model.SourceState{}, s.failGet
	}
	st := s.m[source]
	st.Source = source
	return st, nil
}

func (s *memState) SaveSourceState(_ context.Context, st model.SourceState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failSave != nil {
		return s.failSave
	}
	s.m[st.Source] = st
	return nil
}

func (s *memState) get(source string) model.SourceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[source]
}

// fakeClock is a Clock that only moves when told to.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	added  chan time.Time
}

type fakeTimer struct {
	at time.Time
	c  chan time.Time
	cl *fakeClock
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, added: make(chan time.Time, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), c: make(chan time.Time, 1), cl: c}
	c.timers = append(c.timers, t)
	c.added <- t.at
	return t
}

// Advance moves the clock and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		t.c <- c.now
	}
	c.timers = kept
}

// waitTimer waits for the next timer to be made and returns when it fires.
func (c *fakeClock) waitTimer(t *testing.T) time.Time {
	t.Helper()
	select {
	case at := <-c.added:
		return at
	case <-time.After(5 * time.Second):
		t.Fatal("no timer was started")
		return time.Time{}
	}
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.cl.mu.Lock()
	defer t.cl.mu.Unlock()
	for i, x := range t.cl.timers {
		if x == t {
			t.cl.timers = append(t.cl.timers[:i], t.cl.timers[i+1:]...)
			return true
		}
	}
	return false
}
