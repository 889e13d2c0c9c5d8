package calsync

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/schedule"
)

// memoryStore keeps feed and polling states in memory and records the
// batches it is given, as the store and ingest would.
type memoryStore struct {
	feeds   map[string]model.FeedState
	states  map[string]model.SourceState
	batches []model.CalendarBatch
}

func newMemoryStore() *memoryStore {
	return &memoryStore{feeds: map[string]model.FeedState{}, states: map[string]model.SourceState{}}
}

func (m *memoryStore) FeedState(_ context.Context, source string) (model.FeedState, error) {
	return m.feeds[source], nil
}

func (m *memoryStore) SourceState(_ context.Context, source string) (model.SourceState, error) {
	st := m.states[source]
	st.Source = source
	return st, nil
}

func (m *memoryStore) SaveSourceState(_ context.Context, st model.SourceState) error {
	m.states[st.Source] = st
	return nil
}

func (m *memoryStore) SaveCalendar(_ context.Context, b model.CalendarBatch) error {
	m.batches = append(m.batches, b)
	m.feeds[b.Source] = b.State
	return nil
}

// stepClock is a clock that only moves when told.
type stepClock struct{ now time.Time }

func (c *stepClock) Now() time.Time { return c.now }

func (c *stepClock) NewTimer(d time.Duration) schedule.Timer {
	return schedule.SystemClock{}.NewTimer(d)
}

// weekly is a weekly meeting with a customer, every Monday from start,
// with no end, and a broken second event.
func weekly(start time.Time) string {
	return strings.Join([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN",
		"BEGIN:VEVENT", "UID:weekly@ourco.example", "DTSTAMP:20260101T000000Z",
		"DTSTART:" + start.Format("20060102T150405Z"), "DURATION:PT30M", "RRULE:FREQ=WEEKLY",
		"SUMMARY:Weekly sync", "ORGANIZER:mailto:rep1@ourco.example",
		"ATTENDEE;PARTSTAT=ACCEPTED:mailto:buyer@acme.example", "END:VEVENT",
		"BEGIN:VEVENT", "UID:broken@ourco.example", "DTSTAMP:20260101T000000Z", "SUMMARY:no start", "END:VEVENT",
		"END:VCALENDAR", ""}, "\r\n")
}

// TestWorkerExpandsInAMovingWindow polls a file calendar: the first poll
// stores the occurrences of the window and reports the broken event; an
// unchanged calendar is not stored again the same day; a day later it is
// read in full again, so the window's new occurrences come in.
func TestWorkerExpandsInAMovingWindow(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) // a Monday
	path := filepath.Join(t.TempDir(), "rep1.ics")
	if err := os.WriteFile(path, []byte(weekly(now.AddDate(0, 0, -70).Add(-3*time.Hour))), 0o600); err != nil {
		t.Fatal(err)
	}
	st, clock := newMemoryStore(), &stepClock{now: now}
	w, err := NewWorker(WorkerOptions{
		Calendar: config.Calendar{Name: "rep1", Owner: "rep1@ourco.example", Kind: config.CalendarFile, Location: path},
		Settings: config.CalendarSettings{Past: 30 * 24 * time.Hour, Future: 14 * 24 * time.Hour},
		Store:    st, Sink: st, Clock: clock, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	last := func() model.Occurrence {
		b := st.batches[len(st.batches)-1]
		return b.Occurrences[len(b.Occurrences)-1]
	}

	stats, err := w.PollOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Mondays 09:00 UTC from 30 days back to 14 days ahead: May 4 to
	// June 15.
	if len(st.batches) != 1 || stats.Occurrences != 7 || len(st.batches[0].Occurrences) != 7 {
		t.Fatalf("first poll: %d batches, %+v; want one batch of 7 occurrences", len(st.batches), stats)
	}
	if got := last().Start; !got.Equal(time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("last occurrence starts %v, want June 15 09:00 UTC", got)
	}
	if len(stats.Problems) != 1 || !strings.Contains(stats.Problems[0], "broken@ourco.example") {
		t.Errorf("problems = %q, want the event without a start named", stats.Problems)
	}
	if st.states["calendar:rep1"].LastSuccessAt.IsZero() {
		t.Errorf("polling state = %+v, want a success recorded", st.states["calendar:rep1"])
	}

	clock.now = now.Add(6 * time.Hour)
	if stats, err = w.PollOnce(ctx); err != nil || !stats.Unchanged || len(st.batches) != 1 {
		t.Errorf("same-day poll of an unchanged file: %+v, %v, %d batches; want unchanged and nothing stored", stats, err, len(st.batches))
	}

	clock.now = now.Add(8 * 24 * time.Hour)
	if stats, err = w.PollOnce(ctx); err != nil || stats.Unchanged || len(st.batches) != 2 {
		t.Fatalf("poll a week later: %+v, %v, %d batches; want the calendar read and expanded again", stats, err, len(st.batches))
	}
	if got := last().Start; !got.Equal(time.Date(2026, 6, 22, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("after a week the last occurrence starts %v, want June 22 09:00 UTC", got)
	}
	if got := fmt.Sprint(st.feeds["rep1"].ExpandedAt); got != fmt.Sprint(clock.now) {
		t.Errorf("expanded at %s, want %s", got, clock.now)
	}
}
