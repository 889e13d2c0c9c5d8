package web

import (
	"context"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/dealtrail/dealtrail/internal/export"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/timeline"
)

// Timeline cache bounds: a deal's timeline is kept while its version
// stands, for at most timelineTTL (the clock and the sources' outages
// move on), and for the timelineCacheSize deals opened last.
const (
	timelineTTL       = time.Minute
	timelineCacheSize = 16
)

// builtTimeline is a deal's timeline as built from its activities.
type builtTimeline struct {
	timeline.Timeline
	// Activities counts the deal's activities.
	Activities int
	// acts are the deal's activities, in time order, for its export
	// (dealExportActivities).
	acts []model.Activity
	// Chart is the weekly chart (timeline.Chart: numbers and fixed
	// labels only).
	Chart template.HTML
	// bodies are the parts of its pages rendered so far, by window.
	mu     sync.Mutex
	bodies map[string]template.HTML
}

// exportActivities returns the deal's activities as the export of the
// deal lists them (export.Build): those linked to it, in time order.
func (b *builtTimeline) exportActivities(dealID string) []export.Activity {
	out := []export.Activity{}
	for _, a := range b.acts {
		if l := a.Link; l != nil && l.Linked() && l.DealID == dealID {
			out = append(out, export.NewActivity(a))
		}
	}
	return out
}

// body returns the rendered part named key, rendering it once.
func (b *builtTimeline) body(key string, render func() (template.HTML, error)) (template.HTML, error) {
	b.mu.Lock()
	h, ok := b.bodies[key]
	b.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := render()
	if err != nil {
		return "", err
	}
	b.mu.Lock()
	if b.bodies == nil || len(b.bodies) >= 64 {
		b.bodies = map[string]template.HTML{}
	}
	b.bodies[key] = h
	b.mu.Unlock()
	return h, nil
}

// timelineCache keeps built timelines by deal and version.
type timelineCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]timelineEntry
	group   singleflight.Group
}

type timelineEntry struct {
	version int64
	built   time.Time
	tl      *builtTimeline
}

func newTimelineCache() *timelineCache {
	return &timelineCache{entries: map[string]timelineEntry{}}
}

// get returns the timeline of deal at version, building it when not kept.
func (tc *timelineCache) get(ctx context.Context, deal string, version int64,
	build func(context.Context) (*builtTimeline, error)) (*builtTimeline, error) {
	tc.mu.Lock()
	e, ok := tc.entries[deal]
	fresh := ok && time.Since(e.built) < timelineTTL
	if fresh && e.version == version {
		tc.mu.Unlock()
		return e.tl, nil
	}
	gen := tc.gen
	tc.mu.Unlock()
	key := strings.Join([]string{deal, strconv.FormatInt(version, 10), strconv.FormatUint(gen, 10)}, "\x00")
	if fresh && e.version < version {
		// A newer version (a sync wrote since): show the one kept while
		// one build in the background replaces it.
		tc.group.DoChan(key, func() (any, error) { return tc.build(ctx, deal, version, gen, build) })
		return e.tl, nil
	}
	v, err, _ := tc.group.Do(key, func() (any, error) { return tc.build(ctx, deal, version, gen, build) })
	if err != nil {
		return nil, err
	}
	return v.(*builtTimeline), nil
}

// build builds the timeline of deal at version and keeps it unless the
// cache was dropped since generation gen.
func (tc *timelineCache) build(ctx context.Context, deal string, version int64, gen uint64,
	build func(context.Context) (*builtTimeline, error)) (*builtTimeline, error) {
	// A build of this version may have finished between the caller's
	// look at the cache and this flight: keep its result.
	tc.mu.Lock()
	if e, ok := tc.entries[deal]; ok && e.version >= version && tc.gen == gen && time.Since(e.built) < timelineTTL {
		tc.mu.Unlock()
		return e.tl, nil
	}
	tc.mu.Unlock()
	tl, err := build(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.gen == gen {
		tc.put(deal, timelineEntry{version: version, built: time.Now(), tl: tl})
	}
	return tl, nil
}

// put keeps e, evicting the oldest entry when full. tc.mu is held.
func (tc *timelineCache) put(deal string, e timelineEntry) {
	if _, ok := tc.entries[deal]; !ok && len(tc.entries) >= timelineCacheSize {
		oldest := ""
		for k, v := range tc.entries {
			if oldest == "" || v.built.Before(tc.entries[oldest].built) {
				oldest = k
			}
		}
		delete(tc.entries, oldest)
	}
	tc.entries[deal] = e
}

// drop forgets every timeline.
func (tc *timelineCache) drop() {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.gen++
	clear(tc.entries)
}

// dealTimeline returns the timeline of the deal d.
func (s *Server) dealTimeline(ctx context.Context, d store.DealSummary) (*builtTimeline, error) {
	return s.timelines.get(ctx, d.ID, d.Version, func(ctx context.Context) (*builtTimeline, error) {
		acts, err := s.st.DealActivities(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		now := s.now()
		from := now
		for _, a := range acts {
			if a.At.Before(from) {
				from = a.At
			}
		}
		outages, err := s.st.Outages(ctx, from, now)
		if err != nil {
			return nil, err
		}
		states, err := s.st.SourceStates(ctx)
		if err != nil {
			return nil, err
		}
		opts := s.timelineOptions(now)
		opts.Status = d.Status
		tl := timeline.Build(acts, s.opts.Team, outageSpans(outages), s.coverage(states, now), opts)
		return &builtTimeline{Timeline: tl, Activities: len(acts), acts: acts, Chart: timeline.Chart(tl.Weeks)}, nil
	})
}

// outageSpans turns the sources' failure periods into timeline spans (an
// outage still open has no end, and runs to the timeline's end).
func outageSpans(outages []store.Outage) []timeline.Span {
	spans := make([]timeline.Span, 0, len(outages))
	for _, o := range outages {
		spans = append(spans, timeline.Span{From: o.From, To: o.To, Source: o.Source, Why: "failing: " + o.Reason})
	}
	return spans
}

// coverage says since when each source's data is complete: a mailbox's
// first sync reached back Backfill (0: everything, no limit), a calendar
// is expanded CalendarPast back. A source never synced yet covers
// nothing before now.
func (s *Server) coverage(states []model.SourceState, now time.Time) []timeline.Coverage {
	var out []timeline.Coverage
	for _, st := range states {
		var back time.Duration
		switch {
		case strings.HasPrefix(st.Source, "mailbox:"):
			if s.opts.Backfill == 0 {
				continue
			}
			back = s.opts.Backfill
		case strings.HasPrefix(st.Source, "calendar:"):
			if s.opts.CalendarPast == 0 {
				continue
			}
			back = s.opts.CalendarPast
		default:
			continue
		}
		from := now
		if !st.FirstSuccessAt.IsZero() {
			from = st.FirstSuccessAt.Add(-back)
		}
		out = append(out, timeline.Coverage{Source: st.Source, From: from})
	}
	return out
}
