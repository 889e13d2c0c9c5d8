package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Catalog is what the matcher decides with: the deals (with their
// account's domains and their contacts) and every rule, read together, and
// the version they were read at.
type Catalog struct {
	// Version grows with every change to deals, contacts, account domains
	// or rules; compare it with CatalogVersion to know when to reload.
	Version int64
	// Deals are every deal, or those changed after the version asked
	// for, ordered by ID.
	Deals []model.Deal
	// Rules are every rule: few, and read whole.
	Rules []model.Rule
}

// Catalog reads the deals that changed after catalog version since (every
// deal when since is 0), every rule and the catalog version, in one read
// transaction, so they are one consistent snapshot. A reader holding the
// catalog of version v brings it up to date with the deals of
// Catalog(ctx, v), replacing its deals of the same ID: deals are never
// deleted. Reading 10,000 deals takes tens of milliseconds; the few that
// changed, a fraction of one.
func (s *Store) Catalog(ctx context.Context, since int64) (Catalog, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Catalog{}, fmt.Errorf("read catalog: %w", err)
	}
	defer tx.Rollback()
	var c Catalog
	if c.Version, err = catalogVersion(ctx, tx); err != nil {
		return Catalog{}, fmt.Errorf("read catalog: %w", err)
	}
	if c.Deals, err = listDeals(ctx, tx, dealScope{changedAfter: since}); err != nil {
		return Catalog{}, fmt.Errorf("read catalog: %w", err)
	}
	if c.Rules, err = listRules(ctx, tx); err != nil {
		return Catalog{}, fmt.Errorf("read catalog: %w", err)
	}
	return c, nil
}

// CatalogVersion returns the current catalog version, cheaply: a process
// holding a Catalog reloads it when this has moved.
func (s *Store) CatalogVersion(ctx context.Context) (int64, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	v, err := catalogVersion(ctx, s.read)
	if err != nil {
		return 0, fmt.Errorf("read catalog version: %w", err)
	}
	return v, nil
}

func catalogVersion(ctx context.Context, q queryer) (int64, error) {
	var v int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) FROM catalog`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read catalog version: %w", err)
	}
	return v, nil
}

// bumpCatalog moves the catalog version on, in the transaction of the
// change to deals, contacts, account domains or rules, and stamps the deals
// of changedDeals with the new version, so that Catalog finds them.
func bumpCatalog(ctx context.Context, tx *sql.Tx, changedDeals ...string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE catalog SET version = version + 1`); err != nil {
		return fmt.Errorf("bump catalog version: %w", err)
	}
	if len(changedDeals) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE deals SET version = (SELECT version FROM catalog)
		WHERE id IN (SELECT value FROM json_each(?))`, jsonList(changedDeals))
	if err != nil {
		return fmt.Errorf("stamp changed deals: %w", err)
	}
	return nil
}

// catalogIs reports whether the catalog is still at version, read inside
// the write transaction tx.
func catalogIs(ctx context.Context, tx *sql.Tx, version int64) (bool, error) {
	var v int64
	if err := tx.QueryRowContext(ctx, `SELECT version FROM catalog`).Scan(&v); err != nil {
		return false, fmt.Errorf("read catalog version: %w", err)
	}
	return v == version, nil
}
