package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Rules lists every rule, ordered by id.
func (s *Store) Rules(ctx context.Context) ([]model.Rule, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	rules, err := listRules(ctx, s.read)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	return rules, nil
}

func listRules(ctx context.Context, q queryer) ([]model.Rule, error) {
	var out []model.Rule
	err := eachRow(ctx, q, `SELECT id, kind, address, domain, COALESCE(deal_id, ''), created_by, created_at
		FROM rules ORDER BY id`, nil, func(rows *sql.Rows) error {
		var r model.Rule
		var at int64
		if err := rows.Scan(&r.ID, &r.Kind, &r.Address, &r.Domain, &r.DealID, &r.CreatedBy, &at); err != nil {
			return err
		}
		r.CreatedAt = unixTime(at)
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	return out, nil
}

// normalizeRule lower-cases a rule and checks that it is whole: a known
// kind, exactly one of address and domain, and a deal exactly for a deal
// rule.
func normalizeRule(r model.Rule) (model.Rule, error) {
	r.Address = strings.ToLower(strings.TrimSpace(r.Address))
	r.Domain = strings.Trim(strings.ToLower(strings.TrimSpace(r.Domain)), ".")
	switch {
	case r.Kind != model.RuleDeal && r.Kind != model.RuleIgnore:
		return r, fmt.Errorf("rule kind %q is neither %q nor %q", r.Kind, model.RuleDeal, model.RuleIgnore)
	case (r.Address == "") == (r.Domain == ""):
		return r, errors.New("a rule needs exactly one of an address and a domain")
	case r.Kind == model.RuleDeal && r.DealID == "":
		return r, errors.New("a deal rule needs a deal")
	case r.Kind == model.RuleIgnore && r.DealID != "":
		return r, fmt.Errorf("an ignore rule has no deal, got %s", r.DealID)
	}
	return r, nil
}

// describeRule says what a rule does in words, for the audit trail.
func describeRule(r model.Rule) string {
	what := "address " + r.Address
	if r.Domain != "" {
		what = "domain " + r.Domain + " and its subdomains"
	}
	if r.Kind == model.RuleIgnore {
		return "always ignore " + what
	}
	return "always link " + what + " to deal " + r.DealID
}

// saveRule inserts r, or replaces the rule for the same address or domain
// (keeping its id), and returns it as stored. r must be normalized and its
// deal known.
func saveRule(ctx context.Context, tx *sql.Tx, r model.Rule, at time.Time) (model.Rule, error) {
	r.CreatedAt = time.Unix(at.Unix(), 0).UTC()
	var deal any
	if r.DealID != "" {
		deal = r.DealID
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO rules (kind, address, domain, deal_id, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (address, domain) DO UPDATE SET kind = excluded.kind, deal_id = excluded.deal_id,
		  created_by = excluded.created_by, created_at = excluded.created_at
		RETURNING id`, r.Kind, r.Address, r.Domain, deal, r.CreatedBy, r.CreatedAt.Unix()).Scan(&r.ID)
	if err != nil {
		return r, fmt.Errorf("save rule %q: %w", describeRule(r), err)
	}
	return r, nil
}
