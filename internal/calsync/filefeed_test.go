package calsync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestFileFeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "export.ics")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("\xEF\xBB\xBF" + feedBody) // a byte order mark is fine
	f := NewFileFeed(path)

	first := fetchOK(t, f, model.FeedState{})
	if first.Unchanged || len(first.Objects) != 1 || first.Objects[0].Path != path {
		t.Fatalf("first read = %+v", first)
	}
	if first.BytesRead != int64(len(feedBody)+3) || len(first.State.BodyHash) != 64 {
		t.Errorf("BytesRead %d, state %+v", first.BytesRead, first.State)
	}
	second := fetchOK(t, f, first.State)
	if !second.Unchanged || len(second.Objects) != 0 || second.State.BodyHash != first.State.BodyHash {
		t.Errorf("unchanged file = %+v", second)
	}
	write(strings.Replace(feedBody, "Kickoff", "Renewal", 1))
	third := fetchOK(t, f, second.State)
	if third.Unchanged || len(third.Objects) != 1 || !strings.Contains(string(third.Objects[0].Data), "Renewal") {
		t.Errorf("changed file = %+v", third)
	}
}

func TestFileFeedErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.ics")
	if err := os.WriteFile(big, []byte("BEGIN:VCALENDAR\r\n"+strings.Repeat("X", 2000)), 0o600); err != nil {
		t.Fatal(err)
	}
	notCal := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notCal, []byte("meeting notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	capped := NewFileFeed(big)
	capped.MaxBytes = 1000
	cases := []struct {
		name string
		feed *FileFeed
		path string
		want string
	}{
		{"missing", NewFileFeed(filepath.Join(dir, "none.ics")), filepath.Join(dir, "none.ics"), "no such file"},
		{"directory", NewFileFeed(dir), dir, "is a directory"},
		{"too big", capped, big, "larger than the limit of 1000 bytes"},
		{"not iCalendar", NewFileFeed(notCal), notCal, "not iCalendar data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.feed.Fetch(testCtx(t), model.FeedState{})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
				t.Fatalf("err = %v, want %q naming %s", err, c.want, c.path)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewFileFeed(big).Fetch(ctx, model.FeedState{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Fetch: err = %v", err)
	}
}
