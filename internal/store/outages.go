package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dealtrail/dealtrail/internal/model"
)

// maxOutageReason caps the error kept with an outage, in bytes.
const maxOutageReason = 500

// Outage is a period when a source was failing.
type Outage struct {
	Source   string
	From, To time.Time // To is zero while still failing
	Reason   string    // the first error, in words (never a secret)
}

// Outages lists the failure periods that overlap [from, to], by From; a
// zero from or to leaves that side open. SaveSourceState records them: a
// failed attempt while no outage is open opens one at LastAttemptAt; a
// success closes the open one at LastSuccessAt.
func (s *Store) Outages(ctx context.Context, from, to time.Time) ([]Outage, error) {
	end := int64(math.MaxInt64)
	if !to.IsZero() {
		end = to.Unix()
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var out []Outage
	err := eachRow(ctx, s.read, `SELECT source, from_at, to_at, reason FROM outages
		WHERE from_at <= ? AND (to_at = 0 OR to_at >= ?) ORDER BY from_at, source, id`,
		[]any{end, unixSeconds(from)}, func(rows *sql.Rows) error {
			var o Outage
			var f, t int64
			if err := rows.Scan(&o.Source, &f, &t, &o.Reason); err != nil {
				return err
			}
			o.From, o.To = unixTime(f), unixTime(t)
			out = append(out, o)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("list outages: %w", err)
	}
	return out, nil
}

// recordOutage opens or closes the outage of a source after its state st
// is saved, in tx: a failing state (ErrorCount > 0) opens one at
// LastAttemptAt with LastError as the reason, unless one is open; a
// succeeding state (ErrorCount 0, LastSuccessAt set) closes the open one
// at LastSuccessAt.
func recordOutage(ctx context.Context, tx *sql.Tx, st model.SourceState, now time.Time) error {
	var id, from int64
	err := tx.QueryRowContext(ctx, `SELECT id, from_at FROM outages WHERE source = ? AND to_at = 0`, st.Source).Scan(&id, &from)
	open := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("find open outage of %s: %w", st.Source, err)
	}
	switch {
	case st.ErrorCount > 0 && !open:
		start := st.LastAttemptAt
		if start.IsZero() {
			start = now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outages (source, from_at, reason) VALUES (?, ?, ?)`,
			st.Source, start.Unix(), outageReason(st.LastError)); err != nil {
			return fmt.Errorf("open outage of %s: %w", st.Source, err)
		}
	case st.ErrorCount == 0 && open && !st.LastSuccessAt.IsZero():
		if _, err := tx.ExecContext(ctx, `UPDATE outages SET to_at = ? WHERE id = ?`,
			max(st.LastSuccessAt.Unix(), from), id); err != nil {
			return fmt.Errorf("close outage of %s: %w", st.Source, err)
		}
	}
	return nil
}

// outageReason is the error kept with an outage: valid text, on one line,
// cut at maxOutageReason bytes.
func outageReason(e string) string {
	e = strings.Join(strings.Fields(strings.ToValidUTF8(e, "\uFFFD")), " ")
	if len(e) <= maxOutageReason {
		return e
	}
	cut := maxOutageReason
	for cut > 0 && !utf8.RuneStart(e[cut]) {
		cut--
	}
	return e[:cut] + "…"
}
