package linker

import (
	"context"
	"fmt"
	"slices"

	"github.com/dealtrail/dealtrail/internal/match"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// Move is one activity whose link a change would alter.
type Move struct {
	Activity model.Activity
	Before   model.Link
	After    model.Link
}

// Preview says which past activities rule would move, before it is
// applied: those with a participant it covers whose deal or state would
// change. Human decisions are not counted: a rule never overrides them.
func (l *Linker) Preview(ctx context.Context, rule model.Rule) ([]Move, error) {
	cat, err := l.catalog(ctx, 0)
	if err != nil {
		return nil, err
	}
	// The matcher leaves out a rule to an unknown deal: previewed as is,
	// it would seem to move nothing.
	if rule.Kind == model.RuleDeal && !slices.ContainsFunc(cat.Deals, func(d model.Deal) bool { return d.ID == rule.DealID }) {
		return nil, fmt.Errorf("preview the rule for %s: unknown deal %s: %w", ruleTarget(rule), rule.DealID, store.ErrNotFound)
	}
	rules := make([]model.Rule, 0, len(cat.Rules)+1)
	for _, r := range cat.Rules {
		if r.Address != rule.Address || r.Domain != rule.Domain {
			rules = append(rules, r)
		}
	}
	m := match.New(l.cfg, cat.Deals, append(rules, rule))
	acts, err := l.store.AffectedActivities(ctx, store.RuleAffects(rule))
	if err != nil {
		return nil, fmt.Errorf("find the activities of %s: %w", ruleTarget(rule), err)
	}
	threads, err := l.threadDeals(ctx, acts)
	if err != nil {
		return nil, err
	}
	var moves []Move
	for _, a := range acts {
		var before model.Link
		if a.Link != nil {
			before = *a.Link
		}
		after := l.decide(m, a, threads)
		if after.DealID != before.DealID || after.State != before.State {
			moves = append(moves, Move{Activity: a, Before: before, After: after})
		}
	}
	return moves, nil
}

// catalog reads the rules and the deals changed after catalog version
// since (all of them for 0).
func (l *Linker) catalog(ctx context.Context, since int64) (store.Catalog, error) {
	cat, err := l.store.Catalog(ctx, since)
	if err != nil {
		return store.Catalog{}, fmt.Errorf("read deals and rules: %w", err)
	}
	return cat, nil
}

// ruleTarget names what a rule covers.
func ruleTarget(r model.Rule) string {
	if r.Address != "" {
		return r.Address
	}
	return r.Domain
}
