package calsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dealtrail/dealtrail/internal/calparse"
	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/schedule"
)

// Store keeps a calendar source's state between polls.
type Store interface {
	// FeedState returns what the source remembered after its last
	// stored poll; the zero state when it was never polled.
	FeedState(ctx context.Context, source string) (model.FeedState, error)
	schedule.StateStore
}

// Sink stores the occurrences of one poll and the source's new state in
// one transaction.
type Sink interface {
	SaveCalendar(ctx context.Context, b model.CalendarBatch) error
}

// reexpandEvery is how often a calendar is read in full even when
// unchanged, so that the moving window brings a series' next occurrences.
const reexpandEvery = 24 * time.Hour

// WorkerOptions configure a Worker. Calendar, Store and Sink are required.
type WorkerOptions struct {
	Calendar config.Calendar
	// Settings give the expansion window and whether private addresses
	// may be reached.
	Settings config.CalendarSettings
	Store    Store
	Sink     Sink
	// PollInterval is the wait after a successful poll.
	PollInterval time.Duration
	// Backoff is the wait after failures (schedule.DefaultBackoff if zero).
	Backoff schedule.Backoff
	// Clock drives the schedule and the window (the system clock if nil).
	Clock  schedule.Clock
	Logger *slog.Logger
	// HTTP and CalDAV tune the fetchers (tests give dial hooks here); the
	// private-network setting comes from Settings.
	HTTP   HTTPOptions
	CalDAV CalDAVOptions
}

// PollStats describes one poll of a calendar source.
type PollStats struct {
	Source string
	// Unchanged is set when the source said nothing changed.
	Unchanged bool
	// Objects counts the calendar objects read; Occurrences the meeting
	// occurrences found in the window.
	Objects, Occurrences int
	BytesRead            int64
	// Problems are what was skipped, in words: objects that could not be
	// fetched or parsed, events that could not be expanded.
	Problems []string
	Elapsed  time.Duration
}

// Worker polls one calendar source. Its methods must not be called
// concurrently.
type Worker struct {
	opts    WorkerOptions
	fetcher Fetcher
	loop    *schedule.Loop
	log     *slog.Logger
}

// NewWorker checks the options and builds the fetcher of the calendar's
// kind.
func NewWorker(opts WorkerOptions) (*Worker, error) {
	c := opts.Calendar
	if opts.Store == nil || opts.Sink == nil {
		return nil, errors.New("calsync: a worker needs a store and a sink")
	}
	if opts.Clock == nil {
		opts.Clock = schedule.SystemClock{}
	}
	var f Fetcher
	var err error
	switch c.Kind {
	case config.CalendarURL:
		o := opts.HTTP
		o.AllowPrivateNetworks = opts.Settings.AllowPrivateNetworks
		f, err = NewHTTPFeed(c.Location, o)
	case config.CalendarCalDAV:
		o := opts.CalDAV
		o.AllowPrivateNetworks = opts.Settings.AllowPrivateNetworks
		o.Past = opts.Settings.Past
		f, err = NewCalDAV(c.Location, c.Username, c.Password.Reveal, o)
	case config.CalendarFile:
		f = NewFileFeed(c.Location)
	default:
		err = fmt.Errorf("unknown calendar kind %q", c.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("calendar %s: %w", c.Name, err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("calendar", c.Name)
	w := &Worker{opts: opts, fetcher: f, log: log}
	w.loop = &schedule.Loop{
		Source:   w.Source(),
		Store:    opts.Store,
		Interval: opts.PollInterval,
		Backoff:  opts.Backoff,
		Clock:    opts.Clock,
		Logger:   log,
	}
	return w, nil
}

// Source is the name of the worker's polling state in the store.
func (w *Worker) Source() string { return "calendar:" + w.opts.Calendar.Name }

// Name is the calendar's name, as in the meetings' sightings.
func (w *Worker) Name() string { return w.opts.Calendar.Name }

// Run polls whenever the stored state says the calendar is due, until ctx
// is done. Failures are recorded in the state (and logged), not returned.
func (w *Worker) Run(ctx context.Context) error {
	return w.loop.Run(ctx, func(ctx context.Context) (int64, error) {
		st, err := w.poll(ctx)
		if err == nil {
			level := slog.LevelDebug // unchanged polls are not news
			if !st.Unchanged {
				level = slog.LevelInfo
			}
			w.log.Log(ctx, level, "calendar polled", "objects", st.Objects, "occurrences", st.Occurrences,
				"problems", len(st.Problems), "bytes_read", st.BytesRead, "elapsed", st.Elapsed.Round(time.Millisecond))
		}
		return int64(st.Occurrences), err
	})
}

// PollOnce polls the calendar now, whatever the due time, and records the
// outcome in the polling state like Run does.
func (w *Worker) PollOnce(ctx context.Context) (PollStats, error) {
	var st PollStats
	_, err := w.loop.Once(ctx, func(ctx context.Context) (int64, error) {
		var err error
		st, err = w.poll(ctx)
		return int64(st.Occurrences), err
	})
	return st, err
}

// poll fetches what changed, expands it in the window around now and
// hands the occurrences with the new state to the sink.
func (w *Worker) poll(ctx context.Context) (PollStats, error) {
	start := w.opts.Clock.Now()
	st := PollStats{Source: w.Name()}
	prev, err := w.opts.Store.FeedState(ctx, w.Name())
	if err != nil {
		return st, fmt.Errorf("read state of calendar %s: %w", w.Name(), err)
	}
	full := start.Sub(prev.ExpandedAt) >= reexpandEvery
	if full {
		prev = model.FeedState{} // read everything: the window moved
	}
	f, err := w.fetcher.Fetch(ctx, prev)
	st.BytesRead, st.Problems = f.BytesRead, append(st.Problems, f.Problems...)
	if err != nil {
		return st, fmt.Errorf("calendar %s: %w", w.Name(), err)
	}
	st.Unchanged, st.Objects = f.Unchanged, len(f.Objects)
	state := f.State
	state.ExpandedAt = prev.ExpandedAt
	if full {
		state.ExpandedAt = start
	}
	if f.Unchanged && !full {
		st.Elapsed = w.opts.Clock.Now().Sub(start)
		return st, nil
	}
	window := calparse.Window{Start: start.Add(-w.opts.Settings.Past), End: start.Add(w.opts.Settings.Future)}
	b := model.CalendarBatch{Source: w.Name(), State: state}
	for _, obj := range f.Objects {
		res, err := calparse.Parse(obj.Data, window)
		if err != nil {
			st.Problems = append(st.Problems, fmt.Sprintf("%s: %v", obj.Path, err))
			continue
		}
		for _, p := range res.Problems {
			st.Problems = append(st.Problems, obj.Path+": "+p)
		}
		b.Occurrences = append(b.Occurrences, res.Occurrences...)
	}
	st.Occurrences = len(b.Occurrences)
	for _, p := range st.Problems {
		w.log.Warn("calendar data skipped", "problem", p)
	}
	if err := w.opts.Sink.SaveCalendar(ctx, b); err != nil {
		return st, fmt.Errorf("store calendar %s: %w", w.Name(), err)
	}
	st.Elapsed = w.opts.Clock.Now().Sub(start)
	return st, nil
}
