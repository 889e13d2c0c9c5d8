package decision_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dealtrail/dealtrail/internal/decision"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// TestEachAction: a rep works through the morning's mail, one decision per
// message, and each leaves the human link it names and one audit row with
// the deal and state before and after.
func TestEachAction(t *testing.T) {
	tm := newTeam(t)
	var msgs []string
	for i, key := range []string{"confirm", "reassign", "unlink", "private", "ignore"} {
		msgs = append(msgs, key)
		tm.Deliver("rep1", "INBOX", mail(key, day("2026-03-10").AddDate(0, 0, i), "jane@acme.example", rep1))
	}
	// To the team's shared address: both Acme deals fit, neither owner
	// saw it, so it waits for a person.
	tm.Deliver("shared", "INBOX", mail("review", day("2026-03-20"), "ops@acme.example", "sales@ourco.example"))
	autoPlatform := placed{Deal: "acme-platform", State: model.LinkAuto, Method: model.MethodDomain}
	for _, key := range msgs {
		if got := placement(tm.link(key)); got != autoPlatform {
			t.Fatalf("before any decision %s is %v, want %v", key, got, autoPlatform)
		}
	}
	if got := tm.link("review"); got.State != model.LinkReview || len(got.Candidates) != 2 {
		t.Fatalf("before any decision the shared mail is %+v, want review with both Acme deals", got)
	}

	for _, tc := range []struct {
		key       string
		action    model.Action
		deal      string // requested
		before    placed
		wantDeal  string
		wantState model.LinkState
	}{
		{"confirm", model.ActionConfirm, "", autoPlatform, "acme-platform", model.LinkConfirmed},
		{"review", model.ActionConfirm, "acme-services", placed{State: model.LinkReview, Method: model.MethodDomain}, "acme-services", model.LinkConfirmed},
		{"reassign", model.ActionReassign, "acme-services", autoPlatform, "acme-services", model.LinkConfirmed},
		{"unlink", model.ActionUnlink, "", autoPlatform, "", model.LinkRejected},
		{"private", model.ActionPrivate, "", autoPlatform, "", model.LinkPrivate},
		{"ignore", model.ActionIgnore, "", autoPlatform, "", model.LinkIgnored},
	} {
		t.Run(tc.key, func(t *testing.T) {
			id := tm.id(tc.key)
			out := tm.apply(decision.Request{Actor: rep1, ActivityID: id, Action: tc.action, DealID: tc.deal})
			l := tm.link(tc.key)
			wantConf := 0.0
			if tc.wantState == model.LinkConfirmed {
				wantConf = 1
			}
			if l.DealID != tc.wantDeal || l.State != tc.wantState || l.Method != model.MethodManual ||
				l.Confidence != wantConf || l.DecidedBy != rep1 || l.DecidedAt.IsZero() {
				t.Errorf("link after %s = %+v, want %s %s by %s, decided now", tc.action, l, tc.wantState, tc.wantDeal, rep1)
			}
			rows := tm.decisions(store.DecisionFilter{ActivityID: id})
			want := model.Decision{Actor: rep1, Action: tc.action, ActivityID: id,
				BeforeDeal: tc.before.Deal, BeforeState: tc.before.State, AfterDeal: tc.wantDeal, AfterState: tc.wantState}
			if len(rows) != 1 {
				t.Fatalf("audit rows of %s: %+v, want exactly one", tc.key, rows)
			}
			got := rows[0]
			if !got.At.Equal(l.DecidedAt) || got.ID == 0 {
				t.Errorf("audit row at %v (id %d), want the decision's time %v", got.At, got.ID, l.DecidedAt)
			}
			got.ID, got.At = 0, want.At
			if got != want {
				t.Errorf("audit row = %+v\nwant %+v", got, want)
			}
			if len(out.Decisions) != 1 || out.Decisions[0] != rows[0] {
				t.Errorf("outcome lists %+v, want the stored row %+v", out.Decisions, rows[0])
			}
		})
	}
}

// TestThreadDecision: Sam takes the whole Acme conversation (Rita's
// email, Jane's answer, the lawyer's reply) onto his deal at once.
func TestThreadDecision(t *testing.T) {
	tm := newTeam(t)
	root := mail("root", day("2026-03-10"), rep1, "jane@acme.example")
	tm.Deliver("rep1", "Sent", root)
	tm.Deliver("rep1", "INBOX",
		reply(root, "jane-answer", day("2026-03-11"), "jane@acme.example", rep1),
		reply(root, "counsel", day("2026-03-12"), "counsel@lawfirm.example", rep1),
		mail("other-thread", day("2026-03-13"), "jane@acme.example", rep1))
	if got := placement(tm.link("counsel")); got != (placed{Deal: "acme-platform", State: model.LinkAuto, Method: model.MethodThread}) {
		t.Fatalf("before the decision the lawyer's reply is %v, want on acme-platform by thread", got)
	}
	other := tm.link("other-thread")

	out := tm.apply(decision.Request{Actor: rep2, ActivityID: tm.id("counsel"), Action: model.ActionReassign,
		DealID: "acme-services", Thread: true})
	thread := tm.IDs("root", "jane-answer", "counsel")
	var decided []int64
	for _, d := range out.Decisions {
		decided = append(decided, d.ActivityID)
		if !strings.Contains(d.Detail, "whole thread") || !strings.Contains(d.Detail, "3 activities") ||
			d.AfterDeal != "acme-services" || d.BeforeDeal != "acme-platform" || d.Actor != rep2 {
			t.Errorf("audit row %+v, want acme-platform → acme-services by Sam, detail naming the whole thread of 3", d)
		}
	}
	slices.Sort(decided)
	if !slices.Equal(decided, thread) {
		t.Errorf("audit rows for activities %v, want one per message of the thread %v", decided, thread)
	}
	if rows := tm.decisions(store.DecisionFilter{}); len(rows) != 3 {
		t.Errorf("%d audit rows stored, want 3", len(rows))
	}
	for _, key := range []string{"root", "jane-answer", "counsel"} {
		if l := tm.link(key); l.DealID != "acme-services" || l.State != model.LinkConfirmed || l.DecidedBy != rep2 {
			t.Errorf("%s after the thread decision: %+v, want confirmed on acme-services by Sam", key, l)
		}
	}
	if got := tm.link("other-thread"); !reflect.DeepEqual(got, other) {
		t.Errorf("a message of another thread changed: %+v, was %+v", got, other)
	}
}

// TestAlwaysRule: Sam reassigns Jane's first email to his deal and says
// "always", for Jane's address or for all of acme.example. The preview
// says which past activities the rule will move besides the one decided;
// after the decision exactly those moved; a person's earlier decision and
// other companies stay; new mail follows the rule.
func TestAlwaysRule(t *testing.T) {
	for _, tc := range []struct {
		scope    decision.Scope
		rule     model.Rule
		moves    []string
		newMail  string
		ruleText string
	}{
		{decision.AlwaysAddress, model.Rule{Kind: model.RuleDeal, Address: "jane@acme.example", DealID: "acme-services"},
			[]string{"jane-2"}, "jane@acme.example", "address jane@acme.example"},
		{decision.AlwaysDomain, model.Rule{Kind: model.RuleDeal, Domain: "acme.example", DealID: "acme-services"},
			[]string{"jane-2", "tom-eu"}, "newcomer@acme.example", "domain acme.example"},
	} {
		t.Run(string(tc.scope), func(t *testing.T) {
			tm := newTeam(t)
			tm.Deliver("rep1", "INBOX",
				mail("jane-1", day("2026-03-10"), "jane@acme.example", rep1),
				mail("jane-2", day("2026-03-12"), "jane@acme.example", rep1),
				mail("tom-eu", day("2026-03-13"), "tom@eu.acme.example", rep1),
				mail("jane-kept", day("2026-03-14"), "jane@acme.example", rep1),
				mail("bill", day("2026-03-15"), "bill@initech.example", rep1))
			tm.apply(decision.Request{Actor: rep1, ActivityID: tm.id("jane-kept"), Action: model.ActionConfirm})
			kept, bill := tm.link("jane-kept"), tm.link("bill")

			req := decision.Request{Actor: rep2, ActivityID: tm.id("jane-1"), Action: model.ActionReassign,
				DealID: "acme-services", Always: tc.scope}
			rule, moves, err := tm.dc.Preview(tm.Ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if rule.Kind != tc.rule.Kind || rule.Address != tc.rule.Address || rule.Domain != tc.rule.Domain || rule.DealID != tc.rule.DealID {
				t.Errorf("previewed rule %+v, want %+v", rule, tc.rule)
			}
			var previewed []int64
			for _, mv := range moves {
				previewed = append(previewed, mv.Activity.ID)
			}
			slices.Sort(previewed)
			if want := tm.IDs(tc.moves...); !slices.Equal(previewed, want) {
				t.Errorf("preview moves %v, want %v %v", previewed, want, tc.moves)
			}

			out := tm.apply(req)
			if got := changeIDs(out.Rematched.Changes); !slices.Equal(got, previewed) {
				t.Errorf("the decision moved %v, the preview said %v", got, previewed)
			}
			if len(out.Decisions) != 2 || out.Decisions[0].Action != model.ActionRule || out.Decisions[0].RuleID == 0 ||
				out.Decisions[0].AfterDeal != "acme-services" ||
				!strings.Contains(out.Decisions[0].Detail, tc.ruleText) || out.Decisions[1].ActivityID != tm.id("jane-1") ||
				out.Decisions[1].RuleID != out.Decisions[0].RuleID {
				t.Errorf("audit rows %+v, want a rule row for %s, then jane-1's row naming the rule", out.Decisions, tc.ruleText)
			}
			rules, err := tm.Store.Rules(tm.Ctx)
			if err != nil || len(rules) != 1 || rules[0].Address != tc.rule.Address || rules[0].Domain != tc.rule.Domain ||
				rules[0].DealID != "acme-services" || rules[0].CreatedBy != rep2 {
				t.Errorf("rules = %+v (%v), want the one rule by Sam", rules, err)
			}
			for _, key := range tc.moves {
				if got := placement(tm.link(key)); got != (placed{Deal: "acme-services", State: model.LinkAuto, Method: model.MethodRule}) {
					t.Errorf("%s is %v after the rule, want on acme-services by rule", key, got)
				}
			}
			if got := tm.link("jane-kept"); !reflect.DeepEqual(got, kept) {
				t.Errorf("Rita's decision changed: %+v, was %+v", got, kept)
			}
			if got := tm.link("bill"); !reflect.DeepEqual(got, bill) {
				t.Errorf("Initech's mail changed: %+v, was %+v", got, bill)
			}
			tm.Deliver("rep1", "INBOX", mail("next", day("2026-03-20"), tc.newMail, rep1))
			if got := placement(tm.link("next")); got != (placed{Deal: "acme-services", State: model.LinkAuto, Method: model.MethodRule}) {
				t.Errorf("new mail from %s is %v, want on acme-services by rule", tc.newMail, got)
			}
		})
	}
}

// TestRefusedDecisions: requests that cannot be applied as asked fail
// with a reason a rep can act on, and write nothing.
func TestRefusedDecisions(t *testing.T) {
	tm := newTeam(t)
	tm.Deliver("rep1", "INBOX",
		mail("jane", day("2026-03-10"), "jane@acme.example", rep1),
		mail("ceo", day("2026-03-11"), "acme.ceo@gmail.com", rep1))
	if got := placement(tm.link("ceo")); got != (placed{Deal: "acme-platform", State: model.LinkAuto, Method: model.MethodContact}) {
		t.Fatalf("the CEO's gmail is %v, want on acme-platform as a contact", got)
	}
	before := tm.Activities()
	jane, ceo := tm.id("jane"), tm.id("ceo")
	for _, tc := range []struct {
		name     string
		req      decision.Request
		is       error
		contains []string
	}{
		{"always on unlink", decision.Request{Actor: rep1, ActivityID: jane, Action: model.ActionUnlink, Always: decision.AlwaysAddress},
			decision.ErrInvalid, []string{"always", "unlink"}},
		{"domain rule for free mail", decision.Request{Actor: rep1, ActivityID: ceo, Action: model.ActionReassign,
			DealID: "acme-services", Always: decision.AlwaysDomain}, decision.ErrInvalid, []string{"free mail", "always=address"}},
		{"unknown deal", decision.Request{Actor: rep1, ActivityID: jane, Action: model.ActionReassign, DealID: "acme-mystery"},
			store.ErrNotFound, []string{"acme-mystery"}},
		{"unknown deal in a rule", decision.Request{Actor: rep1, ActivityID: jane, Action: model.ActionReassign,
			DealID: "acme-mystery", Always: decision.AlwaysAddress}, store.ErrNotFound, []string{"acme-mystery"}},
		{"unknown activity", decision.Request{Actor: rep1, ActivityID: 9999, Action: model.ActionConfirm},
			store.ErrNotFound, []string{"9999"}},
		{"no actor", decision.Request{ActivityID: jane, Action: model.ActionConfirm}, decision.ErrInvalid, []string{"actor"}},
		{"reassign without a deal", decision.Request{Actor: rep1, ActivityID: jane, Action: model.ActionReassign},
			decision.ErrInvalid, []string{"deal"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tm.dc.Apply(tm.Ctx, tc.req)
			if !errors.Is(err, tc.is) {
				t.Fatalf("Apply = %v, want an error that is %v", err, tc.is)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if tc.req.Always == decision.Once {
				return
			}
			if _, _, err := tm.dc.Preview(tm.Ctx, tc.req); !errors.Is(err, tc.is) {
				t.Errorf("Preview = %v, want an error that is %v", err, tc.is)
			}
		})
	}
	if rows := tm.decisions(store.DecisionFilter{}); len(rows) != 0 {
		t.Errorf("refused decisions left audit rows %+v", rows)
	}
	if rules, err := tm.Store.Rules(tm.Ctx); err != nil || len(rules) != 0 {
		t.Errorf("refused decisions left rules %+v (%v)", rules, err)
	}
	if !reflect.DeepEqual(tm.Activities(), before) {
		t.Errorf("refused decisions changed activities")
	}
}
