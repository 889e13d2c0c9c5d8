package crm

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// Importer is what an import needs from the database. ImportDeals
// must write all deals or none and name a refused deal with
// *store.DealError.
type Importer interface {
	ImportDeals(ctx context.Context, deals []model.Deal) (store.ImportResult, error)
	Deals(ctx context.Context) ([]model.Deal, error)
}

// Summary says what an import did.
type Summary struct {
	// Created counts the deals whose ID was new; Updated those replaced.
	Created, Updated int
}

// Import reads a deals file (see ReadDeals) and stores its deals in one
// transaction, creating new IDs and updating known ones. members reports
// whether an owner is a member of the team; an owner who is not is an
// error on that row. Any bad row, or a deal the store refuses, imports
// nothing; a refusal names the line of the deal.
func Import(ctx context.Context, st Importer, r io.Reader, name string, members func(email string) bool) (Summary, error) {
	rows, err := readRows(r, name, members)
	if err != nil {
		return Summary{}, err
	}
	before, err := st.Deals(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("import %s: %w", name, err)
	}
	known := make(map[string]bool, len(before))
	for _, d := range before {
		known[d.ID] = true
	}
	deals := make([]model.Deal, len(rows))
	lines := make(map[string]int, len(rows))
	var sum Summary
	for i, rw := range rows {
		deals[i], lines[rw.deal.ID] = rw.deal, rw.line
		if known[rw.deal.ID] {
			sum.Updated++
		} else {
			sum.Created++
		}
	}
	if _, err := st.ImportDeals(ctx, deals); err != nil {
		var refused *store.DealError
		if errors.As(err, &refused) {
			if line, ok := lines[refused.DealID]; ok {
				return Summary{}, &LineError{name, line, err}
			}
		}
		return Summary{}, fmt.Errorf("import %s: %w", name, err)
	}
	return sum, nil
}
