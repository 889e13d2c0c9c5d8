package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
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

// ImportDeals creates or updates deals by ID, with their accounts,
// account domains and contacts, all in one transaction: a refused deal
// leaves the database as it was. Each account named in the import gets
// exactly the domains its deals list. A domain already owned by another
// account is refused with a *DealError. In the same transaction, for every
// deal that is new or changed it queues for re-matching the activities
// with a participant among the deal's old or new contacts, or at (or
// under) one of the old or new domains of its account, and the activities
// linked to the deal; and it bumps the catalog version. A deal new or
// changed gets its figures (recomputed: a new deal gets its row); the
// activities it covers are looked at again for the review queue when the
// queue is drained. An import that changes
// nothing writes nothing else. It reports what changed.
func (s *Store) ImportDeals(ctx context.Context, deals []model.Deal) (ImportResult, error) {
	var res ImportResult
	seq := s.nextSeq()
	// Only the deals of the import and those of the accounts it names
	// can change: a domain owned by another account is refused.
	scope := dealScope{ids: []string{}, accounts: []string{}}
	for _, d := range deals {
		scope.ids = append(scope.ids, d.ID)
		scope.accounts = append(scope.accounts, d.Account)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = ImportResult{}
		before, err := dealsByID(ctx, tx, scope)
		if err != nil {
			return err
		}
		if err := importDeals(ctx, tx, deals); err != nil {
			return err
		}
		after, err := dealsByID(ctx, tx, scope)
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
		if err := bumpCatalog(ctx, tx, res.Changed...); err != nil {
			return err
		}
		return dealsChanged(ctx, tx, res.Changed)
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

// dealsByID reads the deals of scope in tx, by ID.
func dealsByID(ctx context.Context, tx *sql.Tx, scope dealScope) (map[string]model.Deal, error) {
	list, err := listDeals(ctx, tx, scope)
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
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list deals: %w", err)
	}
	defer tx.Rollback()
	return listDeals(ctx, tx, dealScope{})
}

// dealScope limits a listing to the deals with one of ids or of an
// account named in accounts or, when changedAfter is set (and then ids
// and accounts are not looked at), to those changed after that catalog
// version; the zero scope lists every deal.
type dealScope struct {
	ids, accounts []string
	changedAfter  int64
}

// listDeals reads the deals of scope with their account's domains and
// their contacts (each sorted), ordered by ID. Deals, domains and
// contacts come as one packed text each (see packed) and are put
// together here: a correlated subquery per deal, and a row per deal
// through the driver, cost microseconds each, which made reading 10,000
// deals take 70 ms, most of what adding one deal to a large database
// cost. An amount travels as text, which SQLite writes with the digits
// that read back as the same float. q must be a transaction, so that the
// three reads agree.
func listDeals(ctx context.Context, q queryer, scope dealScope) ([]model.Deal, error) {
	all := scope.ids == nil && scope.accounts == nil && scope.changedAfter == 0
	query := `SELECT COALESCE(group_concat(` + packed([]string{"a.id", "d.created_at", "d.closed_at"},
		[]string{"d.id", "d.name", "a.name", "d.owner", "d.stage", "d.status", "CAST(d.amount AS TEXT)"}) + `, ''), '')
		FROM deals d JOIN accounts a ON a.id = d.account_id`
	var args []any
	switch {
	case scope.changedAfter != 0:
		query += ` WHERE d.version > ?`
		args = append(args, scope.changedAfter)
	case !all:
		query += ` WHERE d.id IN (SELECT value FROM json_each(?))
			OR d.account_id IN (SELECT id FROM accounts WHERE name IN (SELECT value FROM json_each(?)))`
		args = append(args, jsonList(scope.ids), jsonList(scope.accounts))
	}
	rec, err := packedText(ctx, q, query, args)
	if err != nil {
		return nil, fmt.Errorf("list deals: %w", err)
	}
	if rec == "" {
		return nil, nil
	}
	// Each record has one ':', the text may have more: an upper bound.
	n := strings.Count(rec, ":")
	out, accountOf := make([]model.Deal, 0, n), make([]int64, 0, n)
	var ints [3]int64
	var texts [7]string
	for rec != "" {
		if rec, err = unpack(rec, ints[:], texts[:]); err != nil {
			return nil, fmt.Errorf("list deals: %w", err)
		}
		d := model.Deal{ID: texts[0], Name: texts[1], Account: texts[2], Owner: texts[3], Stage: texts[4],
			Status: model.DealStatus(texts[5]), Created: unixTime(ints[1]), Closed: unixTime(ints[2])}
		if d.Amount, err = strconv.ParseFloat(texts[6], 64); err != nil {
			return nil, fmt.Errorf("list deals: amount of deal %s: %w", d.ID, err)
		}
		out, accountOf = append(out, d), append(accountOf, ints[0])
	}
	byID := func(i, j int) int { return strings.Compare(out[i].ID, out[j].ID) }
	if !slices.IsSortedFunc(out, func(a, b model.Deal) int { return strings.Compare(a.ID, b.ID) }) {
		order := make([]int, len(out))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, byID)
		sorted, accounts := make([]model.Deal, len(out)), make([]int64, len(out))
		for k, i := range order {
			sorted[k], accounts[k] = out[i], accountOf[i]
		}
		out, accountOf = sorted, accounts
	}
	index := make(map[string]int, len(out))
	domains := map[int64][]string{}
	for i, d := range out {
		index[d.ID] = i
		domains[accountOf[i]] = nil
	}

	domainsSQL := `SELECT COALESCE(group_concat(` + packed([]string{"account_id"}, []string{"domain"}) + `, ''), '')
		FROM account_domains`
	contactsSQL := `SELECT COALESCE(group_concat(` + packed([]string{"0"}, []string{"deal_id", "email"}) + `, ''), '')
		FROM deal_contacts`
	var accountArgs, dealArgs []any
	if !all {
		accounts, ids := jsonList(slices.Collect(maps.Keys(domains))), jsonList(slices.Collect(maps.Keys(index)))
		domainsSQL += ` WHERE account_id IN (SELECT value FROM json_each(?))`
		contactsSQL += ` WHERE deal_id IN (SELECT value FROM json_each(?))`
		accountArgs, dealArgs = []any{accounts}, []any{ids}
	}
	if rec, err = packedText(ctx, q, domainsSQL, accountArgs); err != nil {
		return nil, fmt.Errorf("list domains of deals: %w", err)
	}
	for rec != "" {
		if rec, err = unpack(rec, ints[:1], texts[:1]); err != nil {
			return nil, fmt.Errorf("list domains of deals: %w", err)
		}
		if list, ok := domains[ints[0]]; ok {
			domains[ints[0]] = append(list, texts[0])
		}
	}
	for _, list := range domains {
		slices.Sort(list)
	}
	for i := range out {
		out[i].Domains = append(make([]string, 0, len(domains[accountOf[i]])), domains[accountOf[i]]...)
	}
	// Contacts come grouped by deal (the table's key), so a deal is
	// looked up once per group.
	if rec, err = packedText(ctx, q, contactsSQL, dealArgs); err != nil {
		return nil, fmt.Errorf("list contacts of deals: %w", err)
	}
	last := -1
	for rec != "" {
		if rec, err = unpack(rec, ints[:1], texts[:2]); err != nil {
			return nil, fmt.Errorf("list contacts of deals: %w", err)
		}
		if last < 0 || out[last].ID != texts[0] {
			i, ok := index[texts[0]]
			if !ok {
				continue
			}
			last = i
		}
		out[last].Contacts = append(out[last].Contacts, texts[1])
	}
	for i := range out {
		out[i].Contacts = sortedOrEmpty(out[i].Contacts)
	}
	return out, nil
}

// packedText runs a query of one packed text (see packed): many small
// rows cost more in the driver than SQLite takes to find them.
func packedText(ctx context.Context, q queryer, query string, args []any) (string, error) {
	var rec string
	err := q.QueryRowContext(ctx, query, args...).Scan(&rec)
	return rec, err
}

// sortedOrEmpty sorts a list; nil becomes empty, as a list read back from
// the database always is.
func sortedOrEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	slices.Sort(list)
	return list
}

// dealsChanged updates, in tx, what derives from the deals changed by an
// import: their figures. The review queue's "known account" part depends
// on the deals too, but every activity the change covers was just queued
// for matching, and SaveLinks looks at a queued activity's place in the
// queue again when it is matched, changed link or not.
func dealsChanged(ctx context.Context, tx *sql.Tx, changed []string) error {
	c := viewChanges{}
	c.deal(changed...)
	return c.apply(ctx, tx)
}
