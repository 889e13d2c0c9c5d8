package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dealtrail/dealtrail/internal/model"
)

// DealError says which deal of an import the store refused, and why.
type DealError struct {
	DealID string
	Err    error
}

func (e *DealError) Error() string { return fmt.Sprintf("deal %s: %v", e.DealID, e.Err) }
func (e *DealError) Unwrap() error { return e.Err }

// ImportDeals creates or updates deals by ID, with their accounts, account
// domains and contacts, all in one transaction: a refused deal leaves the
// database as it was. Each account named in the import gets exactly the
// domains its deals list. A domain already owned by another account is
// refused with a *DealError.
func (s *Store) ImportDeals(ctx context.Context, deals []model.Deal) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		accounts := map[string]int64{}
		for _, d := range deals {
			if _, ok := accounts[d.Account]; ok {
				continue
			}
			var id int64
			err := tx.QueryRowContext(ctx,
				`INSERT INTO accounts (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`,
				d.Account).Scan(&id)
			if err != nil {
				return &DealError{d.ID, fmt.Errorf("save account %q: %w", d.Account, err)}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM account_domains WHERE account_id = ?`, id); err != nil {
				return &DealError{d.ID, fmt.Errorf("reset domains of account %q: %w", d.Account, err)}
			}
			accounts[d.Account] = id
		}
		for _, d := range deals {
			if err := importDeal(ctx, tx, d, accounts[d.Account]); err != nil {
				return &DealError{d.ID, err}
			}
		}
		return nil
	})
}

func importDeal(ctx context.Context, tx *sql.Tx, d model.Deal, accountID int64) error {
	for _, domain := range d.Domains {
		var owner int64
		err := tx.QueryRowContext(ctx, `SELECT account_id FROM account_domains WHERE domain = ?`, domain).Scan(&owner)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO account_domains (domain, account_id) VALUES (?, ?)`, domain, accountID); err != nil {
				return fmt.Errorf("save domain %s: %w", domain, err)
			}
		case err != nil:
			return fmt.Errorf("look up domain %s: %w", domain, err)
		case owner != accountID:
			var name string
			if err := tx.QueryRowContext(ctx, `SELECT name FROM accounts WHERE id = ?`, owner).Scan(&name); err != nil {
				return fmt.Errorf("look up owner of domain %s: %w", domain, err)
			}
			return fmt.Errorf("domain %s already belongs to account %q", domain, name)
		}
	}
	_, err := tx.ExecContext(ctx,
		`INSERT INTO deals (id, name, account_id, owner, stage, status, amount, created_at, closed_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (id) DO UPDATE SET name = excluded.name, account_id = excluded.account_id, owner = excluded.owner,
		   stage = excluded.stage, status = excluded.status, amount = excluded.amount,
		   created_at = excluded.created_at, closed_at = excluded.closed_at`,
		d.ID, d.Name, accountID, d.Owner, d.Stage, d.Status, d.Amount, unixSeconds(d.Created), unixSeconds(d.Closed))
	if err != nil {
		return fmt.Errorf("save deal: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM deal_contacts WHERE deal_id = ?`, d.ID); err != nil {
		return fmt.Errorf("reset contacts: %w", err)
	}
	for _, c := range d.Contacts {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO deal_contacts (deal_id, email) VALUES (?, ?)`, d.ID, c); err != nil {
			return fmt.Errorf("save contact %s: %w", c, err)
		}
	}
	return nil
}

// Deals lists every deal with its account's domains and its contacts,
// ordered by ID.
func (s *Store) Deals(ctx context.Context) ([]model.Deal, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	rows, err := s.read.QueryContext(ctx, `
		SELECT d.id, d.name, a.name, d.owner, d.stage, d.status, d.amount, d.created_at, d.closed_at,
		  COALESCE((SELECT group_concat(domain, ' ') FROM account_domains WHERE account_id = a.id), ''),
		  COALESCE((SELECT group_concat(email, ' ') FROM deal_contacts WHERE deal_id = d.id), '')
		FROM deals d JOIN accounts a ON a.id = d.account_id ORDER BY d.id`)
	if err != nil {
		return nil, fmt.Errorf("list deals: %w", err)
	}
	defer rows.Close()
	var out []model.Deal
	for rows.Next() {
		var d model.Deal
		var created, closed int64
		var domains, contacts string
		if err := rows.Scan(&d.ID, &d.Name, &d.Account, &d.Owner, &d.Stage, &d.Status, &d.Amount,
			&created, &closed, &domains, &contacts); err != nil {
			return nil, fmt.Errorf("list deals: %w", err)
		}
		d.Created, d.Closed = unixTime(created), unixTime(closed)
		d.Domains, d.Contacts = sortedFields(domains), sortedFields(contacts)
		out = append(out, d)
	}
	return out, rows.Err()
}

// sortedFields splits a space-separated list into a sorted slice.
func sortedFields(s string) []string {
	f := strings.Fields(s)
	slices.Sort(f)
	return f
}
