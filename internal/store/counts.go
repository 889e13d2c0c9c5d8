package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dealtrail/dealtrail/internal/model"
)

// LinkCounts counts the activities in each link state; activities never
// matched yet count under "" (they wait in the match queue).
func (s *Store) LinkCounts(ctx context.Context) (map[model.LinkState]int, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	out := map[model.LinkState]int{}
	err := eachRow(ctx, s.read, `SELECT coalesce(l.state, ''), count(*)
		FROM activities AS a LEFT JOIN links AS l ON l.activity_id = a.id GROUP BY 1`, nil, func(rows *sql.Rows) error {
		var state model.LinkState
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return err
		}
		out[state] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count links: %w", err)
	}
	return out, nil
}
