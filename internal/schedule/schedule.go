// Package schedule runs a polling job for one source (a mailbox, a
// calendar feed) at the times the source's stored state says, and records
// how each attempt went. The database decides what is due: before every
// attempt the next poll time is written pessimistically, as if the attempt
// were to fail, so a crash mid-attempt never makes a restarted process
// hammer the server; after it, success schedules the next poll one interval
// later and failure a jittered exponential backoff.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// StateStore keeps the polling state of sources.
type StateStore interface {
	// SourceState returns the state of source; the zero state (with
	// Source set) when the source was never polled.
	SourceState(ctx context.Context, source string) (model.SourceState, error)
	SaveSourceState(ctx context.Context, st model.SourceState) error
}

// Job is one polling attempt. It returns how many items (messages,
// meetings) it saw.
type Job func(ctx context.Context) (items int64, err error)

// RetryAfter is implemented by errors that ask for a minimum wait before
// the next attempt, such as a server saying it is throttling us.
type RetryAfter interface {
	RetryAfter() time.Duration
}

// Defaults of a Loop.
const (
	DefaultInterval = 2 * time.Minute
	// DefaultRecheck is how often a waiting loop re-reads the state, so a
	// poll made due from elsewhere (the UI) starts within that time.
	DefaultRecheck = time.Minute
	saveTimeout    = 10 * time.Second
)

// Runner is a source's polling loop, such as a mailbox or calendar worker.
type Runner interface {
	Run(ctx context.Context) error
}

// RunAll runs every runner on its own goroutine until ctx is done, so one
// failing or slow source never holds up another, and returns when all have
// stopped.
func RunAll[R Runner](ctx context.Context, runners []R) {
	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Go(func() { r.Run(ctx) })
	}
	wg.Wait()
}

// Loop polls one source.
type Loop struct {
	// Source names the source in the state store.
	Source string
	Store  StateStore
	// Interval is the wait after a successful poll (DefaultInterval if 0).
	Interval time.Duration
	// Backoff is the wait after failures (DefaultBackoff if zero).
	Backoff Backoff
	// Recheck bounds a single wait (DefaultRecheck if 0).
	Recheck time.Duration
	// Clock is the time source (SystemClock if nil).
	Clock Clock
	// Rand returns numbers in [0, 1) for the jitter (math/rand/v2 if nil).
	Rand   func() float64
	Logger *slog.Logger
}

// Run polls until ctx is done, whenever the stored state says the source
// is due. Failures are recorded, never returned: Run returns nil once ctx
// is done.
func (l *Loop) Run(ctx context.Context, job Job) error {
	storeFailures := 0
	for ctx.Err() == nil {
		st, err := l.Store.SourceState(ctx, l.Source)
		if err == nil {
			if wait := st.NextPollAt.Sub(l.clock().Now()); wait > 0 {
				if l.sleep(ctx, min(wait, l.recheck())) != nil {
					break
				}
				continue // re-read: the due time may have moved meanwhile
			}
			// Job failures are recorded in the state and logged.
			_, _, err = l.attempt(ctx, job)
		}
		if err == nil {
			storeFailures = 0
			continue
		}
		if ctx.Err() != nil {
			break
		}
		// The state store itself fails: wait, in memory, before retrying.
		storeFailures++
		wait := l.backoff().Delay(storeFailures, l.rand())
		l.logger().Warn("source state unavailable", "source", l.Source, "error", err, "retry_in", wait.Round(time.Second))
		if l.sleep(ctx, wait) != nil {
			break
		}
	}
	return nil
}

// Once makes one attempt now, whatever the due time, and records its
// outcome. It returns the job's result; an error reading or writing the
// state is returned too (the job does not run when the pessimistic next
// poll time could not be written).
func (l *Loop) Once(ctx context.Context, job Job) (int64, error) {
	items, jobErr, stateErr := l.attempt(ctx, job)
	return items, errors.Join(jobErr, stateErr)
}

// attempt runs the job once, recording it; stateErr reports a failing
// state store, jobErr the job's own failure.
func (l *Loop) attempt(ctx context.Context, job Job) (items int64, jobErr, stateErr error) {
	st, err := l.Store.SourceState(ctx, l.Source)
	if err != nil {
		return 0, nil, fmt.Errorf("read state of %s: %w", l.Source, err)
	}
	st.Source = l.Source
	now := l.clock().Now()
	st.LastAttemptAt = now
	st.NextPollAt = now.Add(l.backoff().Delay(st.ErrorCount+1, l.rand()))
	if err := l.Store.SaveSourceState(ctx, st); err != nil {
		return 0, nil, fmt.Errorf("record attempt of %s: %w", l.Source, err)
	}

	items, jobErr = job(ctx)

	end := l.clock().Now()
	switch {
	case jobErr == nil:
		st.ErrorCount = 0
		st.LastError = ""
		st.LastSuccessAt = end
		st.Items = items
		st.NextPollAt = end.Add(l.interval())
	case ctx.Err() != nil:
		// Stopped by us, not failed: due again as soon as we run again.
		st.NextPollAt = end
	default:
		st.ErrorCount++
		st.LastError = jobErr.Error()
		wait := l.backoff().Delay(st.ErrorCount, l.rand())
		var ra RetryAfter
		if errors.As(jobErr, &ra) && ra.RetryAfter() > wait {
			wait = ra.RetryAfter()
		}
		st.NextPollAt = end.Add(wait)
		l.logger().Warn("poll failed", "source", l.Source, "error", jobErr,
			"error_count", st.ErrorCount, "retry_in", wait.Round(time.Second))
	}
	// The outcome is recorded even while shutting down.
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	if err := l.Store.SaveSourceState(saveCtx, st); err != nil {
		return items, jobErr, fmt.Errorf("record outcome of %s: %w", l.Source, err)
	}
	return items, jobErr, nil
}

// sleep waits d or until ctx is done, whichever comes first.
func (l *Loop) sleep(ctx context.Context, d time.Duration) error {
	t := l.clock().NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		return nil
	}
}

func (l *Loop) clock() Clock {
	if l.Clock == nil {
		return SystemClock{}
	}
	return l.Clock
}

func (l *Loop) rand() func() float64 {
	if l.Rand == nil {
		return rand.Float64
	}
	return l.Rand
}

func (l *Loop) backoff() Backoff {
	if l.Backoff == (Backoff{}) {
		return DefaultBackoff
	}
	return l.Backoff
}

func (l *Loop) interval() time.Duration {
	if l.Interval <= 0 {
		return DefaultInterval
	}
	return l.Interval
}

func (l *Loop) recheck() time.Duration {
	if l.Recheck <= 0 {
		return DefaultRecheck
	}
	return l.Recheck
}

func (l *Loop) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.Default()
	}
	return l.Logger
}
