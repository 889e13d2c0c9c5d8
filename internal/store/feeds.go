package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dealtrail/dealtrail/internal/model"
)

// FeedState returns what a calendar source remembered at its last stored
// batch (validators, body hash, CalDAV tags); the zero state when the
// source never stored one.
func (s *Store) FeedState(ctx context.Context, source string) (model.FeedState, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var text string
	err := s.read.QueryRowContext(ctx, `SELECT state FROM feeds WHERE source = ?`, source).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return model.FeedState{}, nil
	}
	if err != nil {
		return model.FeedState{}, fmt.Errorf("read feed state of %s: %w", source, err)
	}
	var st model.FeedState
	if err := json.Unmarshal([]byte(text), &st); err != nil {
		return model.FeedState{}, fmt.Errorf("decode feed state of %s: %w", source, err)
	}
	return st, nil
}

// saveFeedState writes, in tx, the JSON state of a calendar source.
func saveFeedState(ctx context.Context, tx *sql.Tx, source, state string, now int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO feeds (source, state, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (source) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
		source, state, now); err != nil {
		return fmt.Errorf("save feed state of %s: %w", source, err)
	}
	return nil
}
