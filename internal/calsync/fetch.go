package calsync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Defaults of the options every source shares.
const (
	// DefaultTimeout bounds one HTTP request, from dial to the last byte.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxBytes bounds one feed body or one calendar object (after
	// gzip is undone).
	DefaultMaxBytes int64 = 20 << 20
	// DefaultMaxRedirects bounds the redirects an ICS feed may take.
	DefaultMaxRedirects = 5
)

// Fetched is what one poll of a source brought.
type Fetched struct {
	// Objects are the iCalendar bodies that changed since the previous
	// state: one for an ICS feed or file; one per new or changed calendar
	// object for CalDAV. Empty when nothing changed.
	Objects []Object
	// Unchanged is true when nothing changed at all: a 304, the same body
	// hash, the same collection tags or sync tokens.
	Unchanged bool
	// State is what to store, in the same transaction as what was saved
	// from Objects, and to pass to the next Fetch.
	State model.FeedState
	// BytesRead counts the bytes read from the network during the poll,
	// headers and TLS included (the bytes read from disk for a file).
	BytesRead int64
	// Problems name the objects or calendars that could not be fetched,
	// each as "href: reason". State does not move past them, so the next
	// poll tries them again; everything else came through.
	Problems []string
}

// Object is one iCalendar body as the source served it.
type Object struct {
	// Path is the feed URL (redacted, see RedactURL), the file path, or
	// the CalDAV object's href (a decoded path such as
	// "/alice/work/kickoff.ics").
	Path string
	// Data is the raw iCalendar text. Objects from a CalDAV
	// calendar-multiget come out of XML, whose parsing turns CRLF line
	// ends into LF.
	Data []byte
}

// Fetcher is one calendar source: an ICS feed over HTTP, a file or a
// CalDAV account.
type Fetcher interface {
	// Fetch polls the source once. prev is the State of the last
	// successful Fetch (zero for the first). A Fetch of one Fetcher waits
	// for any other in progress on it.
	Fetch(ctx context.Context, prev model.FeedState) (Fetched, error)
}

// readCapped reads r to its end, failing with a *SizeError past limit
// bytes.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, &SizeError{Limit: limit}
	}
	return body, nil
}

// hashBody returns the hex SHA-256 of body, as FeedState.BodyHash holds it.
func hashBody(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// utf8BOM may open a file written on Windows.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// checkICalendar fails unless body starts (after a byte order mark and
// white space) with BEGIN:VCALENDAR. A login page or an error page served
// with 200 is the usual way a dead feed link fails; it is named here
// rather than handed to the parser as a calendar with no events.
func checkICalendar(body []byte) error {
	b := bytes.TrimPrefix(body, utf8BOM)
	b = bytes.TrimLeft(b, " \t\r\n")
	const begin = "BEGIN:VCALENDAR"
	if len(b) >= len(begin) && bytes.EqualFold(b[:len(begin)], []byte(begin)) {
		return nil
	}
	start := b
	if len(start) > 40 {
		start = start[:40]
	}
	if len(b) == 0 {
		return fmt.Errorf("not iCalendar data: the body is empty")
	}
	return fmt.Errorf("not iCalendar data: it starts with %q", start)
}
