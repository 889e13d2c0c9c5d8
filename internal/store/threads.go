package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/dealtrail/dealtrail/internal/model"
)

// ThreadDeals returns, for the email activities with these keys
// (Message-IDs, as in In-Reply-To and References), the deal each is linked
// to, automatically or by a person: key → deal ID. Keys that are unknown or
// not linked are absent.
func (s *Store) ThreadDeals(ctx context.Context, keys []string) (map[string]string, error) {
	out := map[string]string{}
	if len(keys) == 0 {
		return out, nil
	}
	list := jsonList(keys)
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	// The keys drive (CROSS JOIN), and each link is found by its activity
	// (NOT INDEXED keeps the rowid), whatever the statistics say: walking
	// every linked row per call would be ruinous.
	err := eachRow(ctx, s.read, `SELECT a.key, l.deal_id
		FROM json_each(?) AS k CROSS JOIN activities AS a CROSS JOIN links AS l NOT INDEXED
		WHERE a.kind = 'email' AND a.key = k.value AND l.activity_id = a.id
		  AND l.state IN ('auto', 'confirmed') AND l.deal_id IS NOT NULL`, []any{list}, func(rows *sql.Rows) error {
		var key, deal string
		if err := rows.Scan(&key, &deal); err != nil {
			return err
		}
		out[key] = deal
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find deals of %d thread keys: %w", len(keys), err)
	}
	return out, nil
}

// ThreadActivityIDs returns the ids of the activities that share the
// thread of activity id, itself included, in time order; ErrNotFound when
// there is no such activity.
func (s *Store) ThreadActivityIDs(ctx context.Context, id int64) ([]int64, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var thread string
	err := s.read.QueryRowContext(ctx, `SELECT thread_key FROM activities WHERE id = ?`, id).Scan(&thread)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find thread of activity %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("find thread of activity %d: %w", id, err)
	}
	if thread == "" {
		return []int64{id}, nil
	}
	var out []int64
	err = eachRow(ctx, s.read, `SELECT id FROM activities WHERE thread_key = ? ORDER BY at, id`, []any{thread},
		func(rows *sql.Rows) error {
			var mate int64
			if err := rows.Scan(&mate); err != nil {
				return err
			}
			out = append(out, mate)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("list thread of activity %d: %w", id, err)
	}
	return out, nil
}

// KnownKeys returns which of keys are stored as activities of kind.
func (s *Store) KnownKeys(ctx context.Context, kind model.Kind, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	list := jsonList(keys)
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	err := eachRow(ctx, s.read, `SELECT a.key FROM json_each(?) AS k CROSS JOIN activities AS a
		WHERE a.kind = ? AND a.key = k.value`, []any{list, kind}, func(rows *sql.Rows) error {
		var key string
		if err := rows.Scan(&key); err != nil {
			return err
		}
		out[key] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up %d activity keys: %w", len(keys), err)
	}
	return out, nil
}
