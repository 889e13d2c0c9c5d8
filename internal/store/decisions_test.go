package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

func TestDecide(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	now := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	ids := save(t, s,
		mail("root", 1, "root", 1, "cto@acme.example"),
		mail("reply", 2, "root", 2, "cto@acme.example"),
		mail("other", 3, "other", 3, "cfo@eu.acme.example"),
		mail("unrelated", 4, "unrelated", 4, "x@initech.example"))
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}), deal("D-2", "Acme", []string{"acme.example"}))
	auto := model.Link{DealID: "D-1", State: model.LinkAuto, Method: model.MethodDomain, Confidence: 0.6, Candidates: []string{"D-2"}}
	if _, err := s.SaveLinks(ctx, []LinkUpdate{{ActivityID: ids["root"], Link: auto}}); err != nil {
		t.Fatal(err)
	}
	clearQueue(t, s)
	v := version(t, s)

	rows, err := s.Decide(ctx, DecisionInput{Actor: "rep2@ourco.example", Action: model.ActionReassign,
		ActivityIDs: []int64{ids["root"]}, Link: model.Link{DealID: "D-2", State: model.LinkConfirmed},
		Rule: &model.Rule{Kind: model.RuleDeal, Domain: "acme.example", DealID: "D-2"}, Detail: "customer said so"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("audit rows = %+v, want a rule row and an activity row", rows)
	}
	rule, act := rows[0], rows[1]
	if rule.Action != model.ActionRule || rule.ActivityID != 0 || rule.RuleID == 0 || rule.ID == 0 ||
		!strings.Contains(rule.Detail, "acme.example") || !strings.Contains(rule.Detail, "D-2") {
		t.Errorf("rule audit row = %+v", rule)
	}
	wantAct := model.Decision{ID: act.ID, At: now, Actor: "rep2@ourco.example", Action: model.ActionReassign, ActivityID: ids["root"],
		BeforeDeal: "D-1", BeforeState: model.LinkAuto, AfterDeal: "D-2", AfterState: model.LinkConfirmed,
		RuleID: rule.RuleID, Detail: "customer said so"}
	if act != wantAct {
		t.Errorf("activity audit row = %+v\nwant %+v", act, wantAct)
	}
	a, _ := s.Activity(ctx, ids["root"])
	wantLink := &model.Link{DealID: "D-2", State: model.LinkConfirmed, Method: model.MethodManual, Confidence: 1,
		Reason: "reassigned by rep2@ourco.example", Candidates: []string{"D-2"}, DecidedBy: "rep2@ourco.example", DecidedAt: now}
	if !reflect.DeepEqual(a.Link, wantLink) {
		t.Errorf("human link = %+v\nwant %+v", a.Link, wantLink)
	}
	if got := version(t, s); got != v+1 {
		t.Errorf("catalog version %d, want %d", got, v+1)
	}
	// The thread mate and everything at acme.example (the rule) are
	// queued; initech is not.
	if got, want := queuedIDs(t, s), idsOf(ids, "root", "reply", "other"); !slices.Equal(got, want) {
		t.Errorf("queued %v, want %v", got, want)
	}
	cat, _ := s.Catalog(ctx, 0)
	if len(cat.Rules) != 1 || cat.Rules[0].DealID != "D-2" || cat.Rules[0].CreatedBy != "rep2@ourco.example" || !cat.Rules[0].CreatedAt.Equal(now) {
		t.Errorf("rules = %+v", cat.Rules)
	}

	// "Always ignore" for the same domain replaces the rule.
	if _, err := s.Decide(ctx, DecisionInput{Actor: "lead@ourco.example", Action: model.ActionIgnore,
		ActivityIDs: []int64{ids["other"], ids["other"]}, Link: model.Link{State: model.LinkIgnored},
		Rule: &model.Rule{Kind: model.RuleIgnore, Domain: "ACME.example"}}); err != nil {
		t.Fatal(err)
	}
	cat, _ = s.Catalog(ctx, 0)
	if len(cat.Rules) != 1 || cat.Rules[0].Kind != model.RuleIgnore || cat.Rules[0].DealID != "" || cat.Rules[0].ID != rule.RuleID {
		t.Errorf("replaced rules = %+v", cat.Rules)
	}

	// Decisions, newest first, filtered.
	all, err := s.Decisions(ctx, DecisionFilter{})
	if err != nil || len(all) != 4 || all[0].Actor != "lead@ourco.example" || all[3].Action != model.ActionRule {
		t.Errorf("Decisions() = %+v, %v", all, err)
	}
	for _, tc := range []struct {
		f    DecisionFilter
		want int
	}{
		{DecisionFilter{DealID: "D-1"}, 1},
		{DecisionFilter{DealID: "D-2"}, 2}, // the reassignment and the rule to D-2
		{DecisionFilter{Actor: "lead@ourco.example"}, 2},
		{DecisionFilter{ActivityID: ids["other"]}, 1},
		{DecisionFilter{Actor: "lead@ourco.example", Limit: 1}, 1},
		{DecisionFilter{Actor: "nobody"}, 0},
	} {
		if got, err := s.Decisions(ctx, tc.f); err != nil || len(got) != tc.want {
			t.Errorf("Decisions(%+v) = %d rows, %v; want %d", tc.f, len(got), err, tc.want)
		}
	}
}

func TestDecideRefuses(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	ids := save(t, s, mail("a", 1, "a", 1, "x@acme.example"))
	mustImport(t, s, deal("D-1", "Acme", []string{"acme.example"}))
	confirm := model.Link{DealID: "D-1", State: model.LinkConfirmed}
	for _, tc := range []struct {
		name string
		in   DecisionInput
		want string
		isNF bool
	}{
		{"unknown activity", DecisionInput{Actor: "r", Action: model.ActionConfirm, ActivityIDs: []int64{ids["a"], 999}, Link: confirm}, "activity 999", true},
		{"unknown deal", DecisionInput{Actor: "r", Action: model.ActionReassign, ActivityIDs: []int64{ids["a"]},
			Link: model.Link{DealID: "D-9", State: model.LinkConfirmed}}, "unknown deal D-9", true},
		{"unknown rule deal", DecisionInput{Actor: "r", Action: model.ActionRule,
			Rule: &model.Rule{Kind: model.RuleDeal, Address: "x@acme.example", DealID: "D-8"}}, "unknown deal D-8", true},
		{"no actor", DecisionInput{Action: model.ActionConfirm, ActivityIDs: []int64{ids["a"]}, Link: confirm}, "actor", false},
		{"matcher state", DecisionInput{Actor: "r", Action: model.ActionConfirm, ActivityIDs: []int64{ids["a"]},
			Link: model.Link{DealID: "D-1", State: model.LinkAuto}}, "not a human decision", false},
		{"rule with both", DecisionInput{Actor: "r", Action: model.ActionRule,
			Rule: &model.Rule{Kind: model.RuleIgnore, Address: "x@acme.example", Domain: "acme.example"}}, "exactly one", false},
		{"nothing", DecisionInput{Actor: "r", Action: model.ActionConfirm}, "activities or a rule", false},
	} {
		_, err := s.Decide(ctx, tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, ErrNotFound) != tc.isNF {
			t.Errorf("%s: %v; want an error with %q (not found: %v)", tc.name, err, tc.want, tc.isNF)
		}
	}
	// Nothing of the refused decisions was written.
	if d, err := s.Decisions(ctx, DecisionFilter{}); err != nil || len(d) != 0 {
		t.Errorf("refused decisions wrote %+v, %v", d, err)
	}
	if a, err := s.Activity(ctx, ids["a"]); err != nil || a.Link != nil {
		t.Errorf("refused decisions wrote a link: %+v, %v", a.Link, err)
	}
}
