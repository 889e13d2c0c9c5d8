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
	st, err := scanSource(s.read.QueryRowContext(ctx, `SELECT `+sourceColumns+` FROM sources WHERE source = ?`, source))
	if errors.Is(err, sql.ErrNoRows) {
		return model.SourceState{Source: source}, nil
	}
	if err != nil {
		return model.SourceState{Source: source}, fmt.Errorf("read state of source %s: %w", source, err)
	}
	return st, nil
}

// sourceColumns are the columns scanSource reads, in its order.
const sourceColumns = `source, next_poll_at, error_count, last_error, last_attempt_at, last_success_at, items, first_success_at`

// scanSource reads one row of sourceColumns.
func scanSource(row interface{ Scan(...any) error }) (model.SourceState, error) {
	var st model.SourceState
	var next, attempt, success, first int64
	if err := row.Scan(&st.Source, &next, &st.ErrorCount, &st.LastError, &attempt, &success, &st.Items, &first); err != nil {
		return model.SourceState{}, err
	}
	st.NextPollAt, st.LastAttemptAt, st.LastSuccessAt = unixTime(next), unixTime(attempt), unixTime(success)
	st.FirstSuccessAt = unixTime(first)
	return st, nil
}

// SaveSourceState writes the polling state of a source. FirstSuccessAt is
// set once, at the first state with a success (st.FirstSuccessAt if
// given, else st.LastSuccessAt), and kept whatever comes later. In the
// same transaction it records outages (see Outages): a failing state
// opens one unless one is open, a success closes it.
func (s *Store) SaveSourceState(ctx context.Context, st model.SourceState) error {
	first := st.FirstSuccessAt
	if first.IsZero() {
		first = st.LastSuccessAt
	}
	now := s.now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO sources (source, next_poll_at, error_count, last_error, last_attempt_at, last_success_at, items,
			   first_success_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (source) DO UPDATE SET next_poll_at = excluded.next_poll_at, error_count = excluded.error_count,
			   last_error = excluded.last_error, last_attempt_at = excluded.last_attempt_at,
			   last_success_at = excluded.last_success_at, items = excluded.items,
			   first_success_at = CASE WHEN sources.first_success_at <> 0 THEN sources.first_success_at
			     ELSE excluded.first_success_at END`,
			st.Source, unixSeconds(st.NextPollAt), st.ErrorCount, st.LastError,
			unixSeconds(st.LastAttemptAt), unixSeconds(st.LastSuccessAt), st.Items, unixSeconds(first))
		if err != nil {
			return fmt.Errorf("save state of source %s: %w", st.Source, err)
		}
		return recordOutage(ctx, tx, st, now)
	})
}

// SourceStates lists the state of every source that was ever polled.
func (s *Store) SourceStates(ctx context.Context) ([]model.SourceState, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var out []model.SourceState
	err := eachRow(ctx, s.read, `SELECT `+sourceColumns+` FROM sources ORDER BY source`, nil, func(rows *sql.Rows) error {
		st, err := scanSource(rows)
		if err != nil {
			return err
		}
		out = append(out, st)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	return out, nil
}
