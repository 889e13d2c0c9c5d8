package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/dealtrail/dealtrail/internal/model"
)

// SourceState returns the polling state of a source; a zero state (with
// Source set) when it was never polled.
func (s *Store) SourceState(ctx context.Context, source string) (model.SourceState, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	st := model.SourceState{Source: source}
	var next, attempt, success int64
	err := s.read.QueryRowContext(ctx,
		`SELECT next_poll_at, error_count, last_error, last_attempt_at, last_success_at, items FROM sources WHERE source = ?`,
		source).Scan(&next, &st.ErrorCount, &st.LastError, &attempt, &success, &st.Items)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read state of source %s: %w", source, err)
	}
	st.NextPollAt, st.LastAttemptAt, st.LastSuccessAt = unixTime(next), unixTime(attempt), unixTime(success)
	return st, nil
}

// SaveSourceState writes the polling state of a source.
func (s *Store) SaveSourceState(ctx context.Context, st model.SourceState) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO sources (source, next_poll_at, error_count, last_error, last_attempt_at, last_success_at, items)
			 VALUES (?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (source) DO UPDATE SET next_poll_at = excluded.next_poll_at, error_count = excluded.error_count,
			   last_error = excluded.last_error, last_attempt_at = excluded.last_attempt_at,
			   last_success_at = excluded.last_success_at, items = excluded.items`,
			st.Source, unixSeconds(st.NextPollAt), st.ErrorCount, st.LastError,
			unixSeconds(st.LastAttemptAt), unixSeconds(st.LastSuccessAt), st.Items)
		if err != nil {
			return fmt.Errorf("save state of source %s: %w", st.Source, err)
		}
		return nil
	})
}

// SourceStates lists the state of every source that was ever polled.
func (s *Store) SourceStates(ctx context.Context) ([]model.SourceState, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	rows, err := s.read.QueryContext(ctx,
		`SELECT source, next_poll_at, error_count, last_error, last_attempt_at, last_success_at, items FROM sources ORDER BY source`)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	defer rows.Close()
	var out []model.SourceState
	for rows.Next() {
		var st model.SourceState
		var next, attempt, success int64
		if err := rows.Scan(&st.Source, &next, &st.ErrorCount, &st.LastError, &attempt, &success, &st.Items); err != nil {
			return nil, fmt.Errorf("list sources: %w", err)
		}
		st.NextPollAt, st.LastAttemptAt, st.LastSuccessAt = unixTime(next), unixTime(attempt), unixTime(success)
		out = append(out, st)
	}
	return out, rows.Err()
}
