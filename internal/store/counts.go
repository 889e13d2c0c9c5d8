package store

import (
	"context"
	"fmt"

	"github.com/dealtrail/dealtrail/internal/model"
)

// LinkCounts counts the activities in each link state; activities never
// matched yet count under "" (they wait in the match queue).
func (s *Store) LinkCounts(ctx context.Context) (map[model.LinkState]int, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	rows, err := s.read.QueryContext(ctx, `SELECT coalesce(l.state, ''), count(*)
		FROM activities AS a LEFT JOIN links AS l ON l.activity_id = a.id GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("count links: %w", err)
	}
	defer rows.Close()
	out := map[model.LinkState]int{}
	for rows.Next() {
		var state model.LinkState
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count links: %w", err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count links: %w", err)
	}
	return out, nil
}
