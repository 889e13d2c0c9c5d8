package schedule

import (
	"context"
	"slices"
	"sync"
)

// Set runs named runners, each on its own goroutine with its own cancel,
// so that one can be started, stopped or replaced while the others run
// (a reloaded config adds and removes mailboxes and calendars).
type Set struct {
	ctx     context.Context
	mu      sync.Mutex
	running map[string]*running
}

type running struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// NewSet returns an empty set whose runners run until ctx is done or
// they are stopped.
func NewSet(ctx context.Context) *Set {
	return &Set{ctx: ctx, running: map[string]*running{}}
}

// Start runs r under name, first stopping the runner of that name if
// there is one.
func (s *Set) Start(name string, r Runner) {
	s.Stop(name)
	ctx, cancel := context.WithCancel(s.ctx)
	run := &running{cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	s.running[name] = run
	s.mu.Unlock()
	go func() {
		defer close(run.done)
		r.Run(ctx)
	}()
}

// Stop cancels the runner called name and waits for it to return; it
// does nothing when there is none.
func (s *Set) Stop(name string) {
	s.mu.Lock()
	run := s.running[name]
	delete(s.running, name)
	s.mu.Unlock()
	if run != nil {
		run.cancel()
		<-run.done
	}
}

// Names returns the names of the runners in the set, sorted.
func (s *Set) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.running))
	for name := range s.running {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// StopAll cancels every runner and waits for all of them to return.
func (s *Set) StopAll() {
	s.mu.Lock()
	all := s.running
	s.running = map[string]*running{}
	s.mu.Unlock()
	for _, run := range all {
		run.cancel()
	}
	for _, run := range all {
		<-run.done
	}
}
