package calsync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/dealtrail/dealtrail/internal/model"
)

// FileFeed is a calendar exported to a local file. A poll reads the file
// and is Unchanged when its hash is the last one's.
type FileFeed struct {
	path string
	// MaxBytes bounds the file (DefaultMaxBytes when zero); a bigger file
	// is an error that names the limit. Set it before the first Fetch.
	MaxBytes int64

	mu sync.Mutex // one Fetch at a time
}

// NewFileFeed returns the feed of the iCalendar file at path.
func NewFileFeed(path string) *FileFeed {
	return &FileFeed{path: path}
}

// String returns the file's path.
func (f *FileFeed) String() string { return f.path }

// Fetch reads the file once. Errors name the path.
func (f *FileFeed) Fetch(ctx context.Context, prev model.FeedState) (Fetched, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return Fetched{}, fmt.Errorf("calendar file %s: %w", f.path, err)
	}
	limit := withDefault(f.MaxBytes, DefaultMaxBytes)
	file, err := os.Open(f.path)
	if err != nil {
		return Fetched{}, fmt.Errorf("calendar file: %w", err) // *PathError names the path
	}
	defer func() { _ = file.Close() }()
	st, err := file.Stat()
	if err != nil {
		return Fetched{}, fmt.Errorf("calendar file: %w", err)
	}
	if st.IsDir() {
		return Fetched{}, fmt.Errorf("calendar file %s: is a directory", f.path)
	}
	if st.Size() > limit {
		return Fetched{}, fmt.Errorf("calendar file %s is %s, %w", f.path, formatBytes(st.Size()), &SizeError{Limit: limit})
	}
	body, err := readCapped(file, limit)
	if err != nil {
		var se *SizeError
		if errors.As(err, &se) {
			return Fetched{}, fmt.Errorf("calendar file %s grew while read and is %w", f.path, err)
		}
		return Fetched{}, fmt.Errorf("calendar file %s: %w", f.path, err)
	}
	out := Fetched{
		State:     model.FeedState{BodyHash: hashBody(body)},
		BytesRead: int64(len(body)),
	}
	if out.State.BodyHash == prev.BodyHash {
		out.Unchanged = true
		return out, nil
	}
	if err := checkICalendar(body); err != nil {
		return Fetched{}, fmt.Errorf("calendar file %s: %w", f.path, err)
	}
	out.Objects = []Object{{Path: f.path, Data: body}}
	return out, nil
}
