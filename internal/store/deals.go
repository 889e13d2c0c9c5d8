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

// ImportResult says what an import changed.
type ImportResult struct {
	// Changed lists the deals that are new or differ in any way (a
	// column, a contact, or a domain of their account, which a deal not in
	// the import can share), sorted.
	Changed []string
	// Enqueued counts the activities queued for re-matching.
	Enqueued int
}

// ImportDeals creates or updates deals by ID, with their accounts, account
// domains and contacts, all in one transaction: a refused deal leaves the
// database as it was. Each account named in the import gets exactly the
// domains its deals list. A domain already owned by another account is
// refused with a *DealError. See ImportDealsResult for what it re-matches.
func (s *Store) ImportDeals(ctx context.Context, deals []model.Deal) error {
	_, err := s.ImportDealsResult(ctx, deals)
	return err
}

// ImportDealsResult is ImportDeals, reporting what changed. In the same
// transaction, for every deal that is new or changed it queues for
// re-matching the activities with a participant among the deal's old or
// new contacts, or at (or under) one of the old or new domains of its
// account, and the activities linked to the deal; and it bumps the catalog
// version. An import that changes nothing writes nothing else.
func (s *Store) ImportDealsResult(ctx context.Context, deals []model.Deal) (ImportResult, error) {
	var res ImportResult
	seq := s.nextSeq()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = ImportResult{}
		before, err := dealsByID(ctx, tx)
		if err != nil {
			return err
		}
		if err := importDeals(ctx, tx, deals); err != nil {
			return err
		}
		after, err := dealsByID(ctx, tx)
		if err != nil {
			return err
		}
		var affects Affects
		for id, d := range after {
			old, ok := before[id]
			if ok && sameDeal(old, d) {
				continue
			}
			res.Changed = append(res.Changed, id)
			affects.Deals = append(affects.Deals, id)
			affects.Addresses = append(append(affects.Addresses, old.Contacts...), d.Contacts...)
			affects.Domains = append(append(affects.Domains, old.Domains...), d.Domains...)
		}
		if len(res.Changed) == 0 {
			return nil
		}
		slices.Sort(res.Changed)
		affects.Addresses = uniqueSorted(affects.Addresses)
		affects.Domains = uniqueSorted(affects.Domains)
		if res.Enqueued, err = enqueueAffected(ctx, tx, affects, seq); err != nil {
			return err
		}
		return bumpCatalog(ctx, tx)
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// importDeals writes the deals of an import (see ImportDeals).
func importDeals(ctx context.Context, tx *sql.Tx, deals []model.Deal) error {
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
}

// dealsByID reads every deal in tx, by ID.
func dealsByID(ctx context.Context, tx *sql.Tx) (map[string]model.Deal, error) {
	list, err := listDeals(ctx, tx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]model.Deal, len(list))
	for _, d := range list {
		out[d.ID] = d
	}
	return out, nil
}

// sameDeal reports whether two stored deals are equal in every field.
func sameDeal(a, b model.Deal) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Account == b.Account && a.Owner == b.Owner &&
		a.Stage == b.Stage && a.Status == b.Status && a.Amount == b.Amount &&
		a.Created.Equal(b.Created) && a.Closed.Equal(b.Closed) &&
		slices.Equal(a.Domains, b.Domains) && slices.Equal(a.Contacts, b.Contacts)
}

// uniqueSorted sorts a list and drops its duplicates.
func uniqueSorted(list []string) []string {
	slices.Sort(list)
	return slices.Compact(list)
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
	return listDeals(ctx, s.read)
}

func listDeals(ctx context.Context, q queryer) ([]model.Deal, error) {
	rows, err := q.QueryContext(ctx, `
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list deals: %w", err)
	}
	return out, nil
}

// sortedFields splits a space-separated list into a sorted slice.
func sortedFields(s string) []string {
	f := strings.Fields(s)
	slices.Sort(f)
	return f
}
