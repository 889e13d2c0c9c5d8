package bench

import (
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// baselineHeaderFields are the header fields the baseline fetches.
var baselineHeaderFields = []string{"FROM", "TO", "CC", "DATE", "SUBJECT", "MESSAGE-ID", "IN-REPLY-TO", "REFERENCES"}

// baselineResult is one run of the baseline client.
type baselineResult struct {
	messages int
	wall     time.Duration
}

// runBaseline is the yardstick: a minimal go-imap client that logs in at
// addr and, per folder, SELECTs it and sends one
//
//	UID FETCH 1:* (UID RFC822.SIZE INTERNALDATE
//	  BODY.PEEK[HEADER.FIELDS (FROM TO CC DATE SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES)]
//	  BODY.PEEK[1]<0.2048>)
//
// reading the answer as it streams in and throwing it away. It is the
// least any client must do to learn the same about every message.
// withStructure adds BODYSTRUCTURE to the items: the issue asks dealtrail
// for it (attachment names, types and sizes, which part is the text), and
// this contender shows what it costs by itself.
func runBaseline(addr, user, password string, folders []string, withStructure bool) (baselineResult, error) {
	start := time.Now()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return baselineResult{}, fmt.Errorf("baseline: dial %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Login(user, password).Wait(); err != nil {
		return baselineResult{}, fmt.Errorf("baseline: login: %w", err)
	}
	opts := &imap.FetchOptions{
		UID:          true,
		RFC822Size:   true,
		InternalDate: true,
		BodySection: []*imap.FetchItemBodySection{
			{Specifier: imap.PartSpecifierHeader, HeaderFields: baselineHeaderFields, Peek: true},
			{Part: []int{1}, Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: 2048}},
		},
	}
	if withStructure {
		opts.BodyStructure = &imap.FetchItemBodyStructure{Extended: true}
	}
	n := 0
	for _, folder := range folders {
		if _, err := c.Select(folder, nil).Wait(); err != nil {
			return baselineResult{}, fmt.Errorf("baseline: select %s: %w", folder, err)
		}
		cmd := c.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, opts)
		for m := cmd.Next(); m != nil; m = cmd.Next() {
			for item := m.Next(); item != nil; item = m.Next() {
				if body, ok := item.(imapclient.FetchItemDataBodySection); ok && body.Literal != nil {
					if _, err := io.Copy(io.Discard, body.Literal); err != nil {
						return baselineResult{}, fmt.Errorf("baseline: read %s: %w", folder, err)
					}
				}
			}
			n++
		}
		if err := cmd.Close(); err != nil {
			return baselineResult{}, fmt.Errorf("baseline: fetch %s: %w", folder, err)
		}
	}
	if err := c.Logout().Wait(); err != nil {
		return baselineResult{}, fmt.Errorf("baseline: logout: %w", err)
	}
	return baselineResult{messages: n, wall: time.Since(start)}, nil
}
