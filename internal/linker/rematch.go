package linker

import (
	"context"
	"fmt"
	"slices"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// rematchChunk is how many activities a full rematch reads, matches and
// writes at a time.
const rematchChunk = 5000

// Rematch matches every stored activity again, oldest first, and saves the
// links that changed. Human decisions stay as they are. The queue is
// drained afterwards, so nothing a sync added meanwhile is left waiting.
func (l *Linker) Rematch(ctx context.Context) (Summary, error) {
	sum, err := l.rematchAll(ctx)
	if err != nil {
		return sum, err
	}
	rest, err := l.Drain(ctx)
	sum.add(rest)
	return sum, err
}

func (l *Linker) rematchAll(ctx context.Context) (Summary, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, err := l.current(ctx)
	if err != nil {
		return Summary{}, err
	}
	threads := newHashedDeals()
	var sum Summary
	err = l.store.EachActivity(ctx, rematchChunk, func(acts []model.Activity) error {
		// A parent not matched yet in this rematch (dated after its
		// reply, or later in this chunk) is read as stored; most
		// parents were matched before their replies, so this reads few.
		// A parent earlier in this chunk is matched before its reply, so
		// it is not read: a chunk covers days of mail, and most replies
		// answer a message of the same few days (reading those cost a
		// quarter of a rematch of a million). Each key is read once.
		earlier := make(map[string]int, len(acts))
		for i, a := range acts {
			if a.Kind == model.KindEmail {
				earlier[a.Key] = i
			}
		}
		var later []string
		asked := map[string]bool{}
		for i, a := range acts {
			for _, k := range parents(a) {
				if j, ok := earlier[k]; ok && j < i || asked[k] || threads.seen(k) {
					continue
				}
				asked[k] = true
				later = append(later, k)
			}
		}
		chunk := rematchDeals{hashedDeals: threads, stored: keyDeals{}}
		if len(later) > 0 {
			stored, err := l.store.ThreadDeals(ctx, later)
			if err != nil {
				return fmt.Errorf("read thread links: %w", err)
			}
			chunk.stored = stored
		}
		// A link the same as the one just read is not sent: SaveLinks
		// would read it again only to write nothing, and in the steady
		// state that is nearly every link (a sixth of a rematch of a
		// million). A link moved meanwhile by another process keeps
		// that process's result, as matcher links both.
		var updates []store.LinkUpdate
		for _, a := range acts {
			if link := l.decide(m, a, chunk); !sameLink(a.Link, link) {
				updates = append(updates, store.LinkUpdate{ActivityID: a.ID, Link: link})
			}
		}
		changes, err := l.store.SaveLinks(ctx, updates)
		if err != nil {
			return fmt.Errorf("save links: %w", err)
		}
		sum.add(Summary{Matched: len(acts), Changes: changes})
		return nil
	})
	return sum, err
}

// sameLink reports whether the stored link was is the matcher's link l
// in every field SaveLinks compares.
func sameLink(was *model.Link, l model.Link) bool {
	return was != nil && was.DecidedBy == l.DecidedBy && was.DealID == l.DealID && was.State == l.State &&
		was.Method == l.Method && was.Confidence == l.Confidence && was.Reason == l.Reason &&
		slices.Equal(was.Candidates, l.Candidates)
}
