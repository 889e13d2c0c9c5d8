package calparse

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dealtrail/dealtrail/internal/testenv"
)

// corpusWindow is wide enough for the corpus's events, from the 1990s on.
var corpusWindow = win("1990-01-01T00:00:00Z", "2030-01-01T00:00:00Z")

// corpusLimit is how long one corpus file may take.
const corpusLimit = 2 * time.Second

// corpusFiles returns every .ics file of the shared corpus, or skips.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.Corpus(t, "ics"), "*.ics"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .ics files in the corpus (%v)", err)
	}
	return files
}

// parseWithin parses in a goroutine and fails t if it takes longer than
// limit or panics.
func parseWithin(t *testing.T, name string, data []byte, w Window, limit time.Duration) (Result, error) {
	t.Helper()
	type outcome struct {
		res   Result
		err   error
		panic any
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			o.panic = recover()
			done <- o
		}()
		o.res, o.err = Parse(data, w)
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case o := <-done:
		if o.panic != nil {
			t.Fatalf("%s: panic: %v", name, o.panic)
		}
		return o.res, o.err
	case <-timer.C:
		t.Fatalf("%s: Parse took longer than %v", name, limit)
	}
	return Result{}, nil
}

// checkResult checks what holds for every result: sorted, unique keys,
// UTC times, valid UTF-8.
func checkResult(t *testing.T, name string, res Result) {
	t.Helper()
	seen := map[string]bool{}
	for i, o := range res.Occurrences {
		if i > 0 {
			p := res.Occurrences[i-1]
			if o.Start.Before(p.Start) || o.Start.Equal(p.Start) && (o.UID < p.UID || o.UID == p.UID && !o.Instance.After(p.Instance)) {
				t.Errorf("%s: occurrences %d and %d out of order", name, i-1, i)
			}
		}
		if seen[o.Key()] {
			t.Errorf("%s: key %q twice", name, o.Key())
		}
		seen[o.Key()] = true
		if o.UID == "" || o.End.Before(o.Start) || o.Start.Location() != time.UTC {
			t.Errorf("%s: bad occurrence %+v", name, o.Meeting)
		}
		for _, s := range []string{o.UID, o.Summary, o.Description, o.Location} {
			if !utf8.ValidString(s) {
				t.Errorf("%s: invalid UTF-8 %q", name, s)
			}
		}
	}
	for _, p := range res.Problems {
		if !utf8.ValidString(p) {
			t.Errorf("%s: problem not UTF-8: %q", name, p)
		}
	}
}

// TestCorpus reads every corpus file within a time limit: none may panic
// or hang, and what comes out must be well formed.
func TestCorpus(t *testing.T) {
	var read, empty, rejected, withProblems, occurrences int
	for _, path := range corpusFiles(t) {
		name := filepath.Base(path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		res, err := parseWithin(t, name, data, corpusWindow, corpusLimit)
		if err != nil {
			rejected++
			t.Logf("%s: rejected: %v", name, err)
			continue
		}
		checkResult(t, name, res)
		read++
		occurrences += len(res.Occurrences)
		if len(res.Occurrences) == 0 {
			empty++
		}
		if len(res.Problems) > 0 {
			withProblems++
			t.Logf("%s: %d occurrences; problems: %q", name, len(res.Occurrences), res.Problems)
		}
	}
	t.Logf("corpus: %d files read (%d without occurrences in the window, %d with problems), %d rejected; %d occurrences",
		read, empty, withProblems, rejected, occurrences)
}

// TestCorpusExpectations pins the occurrences of a few corpus files,
// worked out by reading the files by hand.
func TestCorpusExpectations(t *testing.T) {
	dir := testenv.Corpus(t, "ics")
	type moved struct{ instance, start string }
	tests := []struct {
		file        string
		uid         string // only this event, when set
		w           Window
		count       int
		first, last string   // starts, UTC
		excluded    []string // instances that must not be there
		moved       []moved
		cancelled   []string // instances that are cancelled
		problems    int
	}{
		{
			// TZID=Europe/Berlin (a W. Europe VTIMEZONE beside it), DAILY
			// with a floating UNTIL on the Berlin clock, an EXDATE in UTC.
			file: "recurring-issue_27_t1.ics", w: corpusWindow, count: 2,
			first: "2020-04-26T12:00:00Z", last: "2020-04-28T12:00:00Z",
			excluded: []string{"2020-04-27T12:00:00Z", "2020-04-29T12:00:00Z"},
		},
		{
			// Two Berlin series; one instance moved an hour earlier, one an
			// hour later, one edited in place.
			file: "recurring-recurring_events_moved.ics", w: corpusWindow, count: 7,
			first: "2019-03-07T01:00:00Z", last: "2019-03-20T03:00:00Z",
			moved: []moved{{"2019-03-08T01:00:00Z", "2019-03-08T00:00:00Z"}, {"2019-03-09T01:00:00Z", "2019-03-09T02:00:00Z"}, {"2019-03-19T03:00:00Z", "2019-03-19T03:00:00Z"}},
		},
		{
			// DAILY COUNT=3 in Berlin, the middle one cancelled.
			file: "recurring-issue_18_cancel_status.ics", w: corpusWindow, count: 3,
			first: "2020-01-28T21:00:00Z", last: "2020-01-30T21:00:00Z",
			cancelled: []string{"2020-01-29T21:00:00Z"},
		},
		{
			// Brisbane (+10:00, no DST), DAILY COUNT=7 less two EXDATEs.
			file: "ical4j-valid-EXDATE.ics", w: corpusWindow, count: 5,
			first: "2006-01-01T02:00:00Z", last: "2006-01-07T02:00:00Z",
			excluded: []string{"2006-01-03T02:00:00Z", "2006-01-04T02:00:00Z"},
		},
		{
			// Monthly on the first Tuesday in Los Angeles, with RDATEs (one
			// a comma list), EXDATEs and two overrides, one of an RDATE.
			file: "icaljs-recur_instances.ics", w: win("2012-10-01T00:00:00Z", "2013-04-01T00:00:00Z"), count: 7,
			first: "2012-10-02T22:00:00Z", last: "2013-03-05T18:00:00Z",
			excluded: []string{"2012-12-04T18:00:00Z", "2013-02-05T18:00:00Z"},
			moved:    []moved{{"2012-10-02T17:00:00Z", "2012-10-02T22:00:00Z"}, {"2012-11-05T18:00:00Z", "2012-11-07T04:00:00Z"}},
			problems: 1, // an empty VTIMEZONE
		},
		{
			// Exchange all-day series, TZID "GMT Standard Time", UNTIL in
			// UTC at the local midnight, RECURRENCE-IDs as local midnights.
			file: "recurring-issue_28_rrule_with_UTC_endinginZ.ics", w: corpusWindow, count: 26,
			first: "2020-04-02T00:00:00Z", last: "2020-09-24T00:00:00Z",
			moved: []moved{{"2020-04-16T00:00:00Z", "2020-04-17T00:00:00Z"}, {"2020-05-28T00:00:00Z", "2020-05-29T00:00:00Z"}, {"2020-09-03T00:00:00Z", "2020-09-04T00:00:00Z"}},
		},
		{
			// Outlook, TZID "(UTC+02:00) Athens, Bucharest, Istanbul" known
			// only from its VTIMEZONE (commas escaped there): weekly on
			// Fridays 16:00, five EXDATEs in one list, two overrides; the
			// DST change of 2013-03-31 moves it to 13:00 UTC.
			file: "ical4j-transform-outlook2.ics", uid: "040000008200E00074C5B7101A82E0080000000040D76F07BDCBCD0100000000000000001000000083E39564BB3D8D49AD2C623DDF5C06E5",
			w: win("2012-12-01T00:00:00Z", "2013-04-30T00:00:00Z"), count: 16,
			first: "2012-12-07T14:00:00Z", last: "2013-04-26T13:00:00Z",
			excluded: []string{"2013-01-18T14:00:00Z", "2013-02-08T14:00:00Z", "2013-02-15T14:00:00Z", "2013-03-01T14:00:00Z", "2013-03-08T14:00:00Z"},
			moved:    []moved{{"2013-03-22T14:00:00Z", "2013-03-22T14:00:00Z"}, {"2013-03-29T14:00:00Z", "2013-03-29T14:00:00Z"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			res := mustParse(t, data, tt.w)
			if len(res.Problems) != tt.problems {
				t.Errorf("problems %q, want %d", res.Problems, tt.problems)
			}
			occ := res.Occurrences
			if tt.uid != "" {
				occ = slices.DeleteFunc(slices.Clone(occ), func(o Occurrence) bool { return o.UID != tt.uid })
			}
			if len(occ) != tt.count {
				t.Fatalf("%d occurrences, want %d", len(occ), tt.count)
			}
			if got := occ[0].Start.Format(time.RFC3339); got != tt.first {
				t.Errorf("first start %s, want %s", got, tt.first)
			}
			if got := occ[len(occ)-1].Start.Format(time.RFC3339); got != tt.last {
				t.Errorf("last start %s, want %s", got, tt.last)
			}
			byInstance := map[string]Occurrence{}
			for _, o := range occ {
				byInstance[o.Instance.Format(time.RFC3339)] = o
			}
			for _, x := range tt.excluded {
				if _, ok := byInstance[x]; ok {
					t.Errorf("instance %s is there, want it excluded", x)
				}
			}
			for _, m := range tt.moved {
				o, ok := byInstance[m.instance]
				if !ok {
					t.Errorf("no occurrence of instance %s", m.instance)
				} else if got := o.Start.Format(time.RFC3339); got != m.start {
					t.Errorf("instance %s starts %s, want %s from its override", m.instance, got, m.start)
				}
			}
			var cancelled []string
			for _, o := range occ {
				if o.Cancelled {
					cancelled = append(cancelled, o.Instance.Format(time.RFC3339))
				}
			}
			if !reflect.DeepEqual(cancelled, tt.cancelled) {
				t.Errorf("cancelled %q, want %q", cancelled, tt.cancelled)
			}
		})
	}
}
