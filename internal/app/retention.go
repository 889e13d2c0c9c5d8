package app

import (
	"context"
	"time"
)

// RetentionInterval is how often serve deletes the unlinked activities
// that retention.unlinked_after lets go.
const RetentionInterval = 24 * time.Hour

// RunRetention deletes old unlinked activities (see PruneUnlinked) now
// and then once every RetentionInterval until ctx is done. It returns at
// once when retention.unlinked_after is 0 (keep forever).
func (a *App) RunRetention(ctx context.Context) {
	if a.Config.Retention.UnlinkedAfter <= 0 {
		return
	}
	t := time.NewTicker(RetentionInterval)
	defer t.Stop()
	for {
		a.PruneUnlinked(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PruneUnlinked deletes the activities no deal has (never linked, never
// decided on by a person) whose time is more than
// retention.unlinked_after before now, and logs how many. It returns
// how many it deleted; nothing when unlinked_after is 0.
func (a *App) PruneUnlinked(ctx context.Context, now time.Time) int {
	keep := a.Config.Retention.UnlinkedAfter
	if keep <= 0 {
		return 0
	}
	before := now.Add(-keep)
	n, err := a.Store.DeleteUnlinked(ctx, before)
	if err != nil {
		if ctx.Err() == nil { // stopping is no failure, nor a pass done
			a.Logger.Error("deleting old unlinked activities failed", "deleted", n, "err", err)
		}
		return n
	}
	a.Logger.Info("deleted old unlinked activities", "deleted", n, "older_than", before.UTC().Format(time.RFC3339))
	return n
}
