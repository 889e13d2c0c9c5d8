package calparse

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/testenv"
)

// FuzzParse feeds Parse mutations of the test files and, when the shared
// corpus is configured, of its ics files: it must not panic or hang, must
// return well-formed results, and must be deterministic.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.ics"))
	if root := os.Getenv(testenv.CorpusVar); root != "" {
		more, _ := filepath.Glob(filepath.Join(root, "ics", "*.ics"))
		seeds = append(seeds, more...)
	}
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("BEGIN:VEVENT\nDTSTART;TZID=Europe/Berlin:20240331T023000\nRRULE:FREQ=HOURLY;BYDAY=SU;COUNT=30\nEND:VEVENT"))
	f.Add([]byte("BEGIN:VCALENDAR\rBEGIN:VEVENT\rDTSTART;VALUE=DATE:20240229\rRRULE:FREQ=YEARLY;BYWEEKNO=-1,1;BYDAY=MO\rEXDATE:20250101T000000Z\rEND:VEVENT"))
	w := win("2020-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		res, err := Parse(data, w)
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("Parse took %v on %d bytes", took, len(data))
		}
		if err != nil {
			if len(res.Occurrences) > 0 || len(res.Problems) > 0 {
				t.Fatalf("error %v with a result", err)
			}
			return
		}
		checkResult(t, "fuzz", res)
		again, err2 := Parse(data, w)
		if err2 != nil || !reflect.DeepEqual(res, again) {
			t.Fatalf("Parse is not deterministic")
		}
	})
}
