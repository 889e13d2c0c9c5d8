package store

import (
	"context"
	"fmt"
	"math"

	"github.com/dealtrail/dealtrail/internal/model"
)

// activityFrom is the FROM clause of every activity read: an activity and
// its link, if any.
const activityFrom = ` FROM activities AS a LEFT JOIN links AS l ON l.activity_id = a.id`

// Activities returns every stored activity in time order, with its
// participants, sightings and link.
func (s *Store) Activities(ctx context.Context) ([]model.Activity, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	out, _, err := readActivities(ctx, s.read, true, `SELECT `+packActivity("0", true)+activityFrom+` ORDER BY a.at, a.id`)
	if err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	return out, nil
}

// Activity returns one activity with its participants, sightings and link;
// ErrNotFound when there is none with that id.
func (s *Store) Activity(ctx context.Context, id int64) (model.Activity, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	out, _, err := readActivities(ctx, s.read, true, `SELECT `+packActivity("0", true)+activityFrom+` WHERE a.id = ?`, id)
	if err != nil {
		return model.Activity{}, fmt.Errorf("read activity %d: %w", id, err)
	}
	if len(out) == 0 {
		return model.Activity{}, fmt.Errorf("read activity %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// EachActivity calls fn with every activity in time order (then id), in
// chunks of up to chunk activities, each with its participants, sightings
// and link but without subject, snippet, attachments and meeting details
// (Activity.Meeting), which matching does not read. Each chunk is read on its own, resuming after the last
// activity of the previous one, so no read transaction outlives a chunk;
// an activity stored meanwhile is seen if it sorts after the position
// reached. The next chunk is read while fn works on the current one; fn
// may keep what it is given. An error from fn stops the walk and is
// returned as is.
func (s *Store) EachActivity(ctx context.Context, chunk int, fn func([]model.Activity) error) error {
	if chunk <= 0 {
		chunk = 1000
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		acts []model.Activity
		err  error
	}
	chunks := make(chan result, 1)
	go func() {
		defer close(chunks)
		var at, id int64 = math.MinInt64, 0
		for {
			acts, err := s.activityChunk(ctx, at, id, chunk)
			select {
			case chunks <- result{acts, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(acts) < chunk {
				return
			}
			last := acts[len(acts)-1]
			at, id = unixSeconds(last.At), last.ID
		}
	}()
	for r := range chunks {
		if r.err != nil {
			return r.err
		}
		if len(r.acts) == 0 {
			return nil
		}
		if err := fn(r.acts); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// activityChunk reads up to limit activities after (at, id) in time order.
func (s *Store) activityChunk(ctx context.Context, at, id int64, limit int) ([]model.Activity, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	out, _, err := readActivities(ctx, s.read, false, `SELECT `+packActivity("0", false)+`
		FROM activities AS a INDEXED BY activities_at LEFT JOIN links AS l ON l.activity_id = a.id
		WHERE (a.at, a.id) > (?, ?) ORDER BY a.at, a.id LIMIT ?`, at, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list activities after %d: %w", id, err)
	}
	return out, nil
}

// AffectedActivities returns the activities that EnqueueAffected(a) would
// queue, in time order, with participants, sightings and link: what a rule
// or a deal change would move, before it is made.
func (s *Store) AffectedActivities(ctx context.Context, a Affects) ([]model.Activity, error) {
	if a.empty() {
		return nil, nil
	}
	args := a.args()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	out, _, err := readActivities(ctx, s.read, true, `SELECT `+packActivity("0", true)+activityFrom+`
		WHERE a.id IN (`+affectedSQL+`) ORDER BY a.at, a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list activities affected by %v: %w", a, err)
	}
	return out, nil
}

// readActivities runs a query of packed activities (see packActivity) and
// returns them with their participants and sightings (and, with full, the
// details of meetings), and the extra integer of each.
func readActivities(ctx context.Context, q queryer, full bool, query string, args ...any) ([]model.Activity, []int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	// The records are decoded once all are read, into activities
	// allocated once: growing a slice of activities copies them.
	var recs []string
	for rows.Next() {
		var rec string
		if err := rows.Scan(&rec); err != nil {
			return nil, nil, err
		}
		recs = append(recs, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows.Close()
	var acts []model.Activity
	var extras []int64
	if len(recs) > 0 {
		acts, extras = make([]model.Activity, len(recs)), make([]int64, len(recs))
	}
	for i, rec := range recs {
		var err error
		if acts[i], extras[i], err = activityRecord(rec, full); err != nil {
			return nil, nil, err
		}
	}
	if err := attach(ctx, q, acts); err != nil {
		return nil, nil, err
	}
	if full {
		if err := attachMeetings(ctx, q, acts); err != nil {
			return nil, nil, err
		}
	}
	return acts, extras, nil
}

// CountActivities returns how many activities are stored.
func (s *Store) CountActivities(ctx context.Context) (int, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM activities`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count activities: %w", err)
	}
	return n, nil
}
