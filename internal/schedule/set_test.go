package schedule

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
)

// blockRunner runs until its context is done, counting starts and stops.
type blockRunner struct{ started, stopped *atomic.Int32 }

func (r blockRunner) Run(ctx context.Context) error {
	r.started.Add(1)
	<-ctx.Done()
	r.stopped.Add(1)
	return nil
}

func TestSetStartStopReplace(t *testing.T) {
	var started, stopped atomic.Int32
	r := blockRunner{&started, &stopped}
	s := NewSet(t.Context())
	s.Start("a", r)
	s.Start("b", r)
	if got := s.Names(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("names = %v", got)
	}
	s.Stop("a")
	if stopped.Load() != 1 || !slices.Equal(s.Names(), []string{"b"}) {
		t.Fatalf("after Stop(a): stopped %d, names %v", stopped.Load(), s.Names())
	}
	s.Start("b", r) // replaces: the old b stops first
	if stopped.Load() != 2 || !slices.Equal(s.Names(), []string{"b"}) {
		t.Fatalf("after replacing b: stopped %d, names %v", stopped.Load(), s.Names())
	}
	s.Stop("missing")
	s.StopAll()
	if stopped.Load() != 3 || len(s.Names()) != 0 {
		t.Fatalf("after StopAll: stopped %d, names %v", stopped.Load(), s.Names())
	}
}
