package linker

import (
	"context"
	"fmt"

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
		var later []string
		for _, a := range acts {
			for _, k := range parents(a) {
				if !threads.seen(k) {
					later = append(later, k)
				}
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
		updates := make([]store.LinkUpdate, len(acts))
		for i, a := range acts {
			updates[i] = store.LinkUpdate{ActivityID: a.ID, Link: l.decide(m, a, chunk)}
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
