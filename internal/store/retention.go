package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// retentionBatch bounds the activities one DeleteUnlinked transaction
// removes, so the daemon's writers are never held up for long.
const retentionBatch = 500

// DeleteUnlinked removes the emails and meetings from before the given
// time that no deal has: their link state is none or ignored, no person
// ever decided anything about them (no audit row, no decided_by) and
// they are not waiting to be matched again. Their participants,
// sightings, meeting details and queue rows go with them, as in a purge
// (the same removal code). It returns how many it removed. Mail stays
// out for good (the folder checkpoints stay); a meeting still in a
// calendar comes back at the calendar's next full read.
func (s *Store) DeleteUnlinked(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		n, err := s.deleteUnlinkedBatch(ctx, before)
		total += n
		if err != nil {
			return total, fmt.Errorf("delete unlinked activities from before %s: %w", before.UTC().Format(time.DateOnly), err)
		}
		if n < retentionBatch {
			return total, nil
		}
	}
}

// deleteUnlinkedBatch removes up to retentionBatch activities that
// DeleteUnlinked would.
func (s *Store) deleteUnlinkedBatch(ctx context.Context, before time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var p purgeSet
		err := eachRow(ctx, tx, `SELECT a.id FROM activities AS a JOIN links AS l ON l.activity_id = a.id
			WHERE a.at < ? AND a.kind IN ('email', 'meeting')
			AND l.state IN ('none', 'ignored') AND l.deal_id IS NULL AND l.decided_by = ''
			AND NOT EXISTS (SELECT 1 FROM decisions AS d WHERE d.activity_id = a.id)
			AND NOT EXISTS (SELECT 1 FROM match_queue AS q WHERE q.activity_id = a.id)
			ORDER BY a.id LIMIT ?`, []any{unixSeconds(before), retentionBatch}, func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			p.activities = append(p.activities, id)
			return nil
		})
		if err != nil {
			return fmt.Errorf("find them: %w", err)
		}
		if len(p.activities) == 0 {
			return nil
		}
		n = len(p.activities)
		return p.apply(ctx, tx)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
