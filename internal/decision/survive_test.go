package decision_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/dealtrail/dealtrail/internal/decision"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// TestRepliesFollowReassignedRoot: the lawyer's reply sits on Rita's deal
// only because it answers Rita's email. When Sam moves that email to his
// deal, the reply follows it, still as the matcher's thread link, not as
// a decision anybody made about the reply.
func TestRepliesFollowReassignedRoot(t *testing.T) {
	tm := newTeam(t)
	root := mail("root", day("2026-03-10"), rep1, "jane@acme.example")
	tm.Deliver("rep1", "Sent", root)
	tm.Deliver("rep1", "INBOX", reply(root, "counsel", day("2026-03-11"), "counsel@lawfirm.example", rep1))
	if got := placement(tm.link("counsel")); got != (placed{Deal: "acme-platform", State: model.LinkAuto, Method: model.MethodThread}) {
		t.Fatalf("before the decision the lawyer's reply is %v, want on acme-platform by thread", got)
	}

	out := tm.apply(decision.Request{Actor: rep2, ActivityID: tm.id("root"), Action: model.ActionReassign, DealID: "acme-services"})
	if got, want := changeIDs(out.Rematched.Changes), tm.IDs("counsel"); !slices.Equal(got, want) {
		t.Errorf("re-matching after the decision moved %v, want the reply %v", got, want)
	}
	l := tm.link("counsel")
	if placement(l) != (placed{Deal: "acme-services", State: model.LinkAuto, Method: model.MethodThread}) || l.DecidedBy != "" || !l.DecidedAt.IsZero() {
		t.Errorf("the reply is %+v, want on acme-services by thread, decided by nobody", l)
	}
	if rows := tm.decisions(store.DecisionFilter{ActivityID: tm.id("counsel")}); len(rows) != 0 {
		t.Errorf("the reply got audit rows %+v; nobody decided about it", rows)
	}
}

// TestHumanDecisionsSurvive: once Rita has decided about an email, nothing
// automatic moves it again: not a full rematch, not a CRM re-import (even
// one that moves Acme's domain to another account and takes the rest of
// Acme's mail with it), not a re-sync after the server reset the folder's
// UIDVALIDITY, not the message turning up in Sam's mailbox.
func TestHumanDecisionsSurvive(t *testing.T) {
	tm := newTeam(t)
	msgs := []model.Message{
		mail("confirmed", day("2026-03-10"), "jane@acme.example", rep1),
		mail("reassigned", day("2026-03-11"), "jane@acme.example", rep1),
		mail("unlinked", day("2026-03-12"), "jane@acme.example", rep1),
		mail("private", day("2026-03-13"), "jane@acme.example", rep1),
		mail("ignored", day("2026-03-14"), "jane@acme.example", rep1),
		// Nobody decides about this one: it shows what the changes
		// would do to the others.
		mail("control", day("2026-03-15"), "jane@acme.example", rep1),
	}
	tm.Deliver("rep1", "INBOX", msgs...)
	for key, req := range map[string]decision.Request{
		"confirmed":  {Action: model.ActionConfirm},
		"reassigned": {Action: model.ActionReassign, DealID: "acme-services"},
		"unlinked":   {Action: model.ActionUnlink},
		"private":    {Action: model.ActionPrivate},
		"ignored":    {Action: model.ActionIgnore},
	} {
		req.Actor, req.ActivityID = rep1, tm.id(key)
		tm.apply(req)
	}
	decided := map[string]model.Link{}
	for _, key := range []string{"confirmed", "reassigned", "unlinked", "private", "ignored"} {
		decided[key] = tm.link(key)
	}
	check := func(t *testing.T, control placed) {
		t.Helper()
		for key, want := range decided {
			if got := tm.link(key); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: the decision became %+v\nwas %+v", key, got, want)
			}
		}
		if got := placement(tm.link("control")); got != control {
			t.Errorf("the undecided control is %v, want %v", got, control)
		}
		if rows := tm.decisions(store.DecisionFilter{}); len(rows) != len(decided) {
			t.Errorf("%d audit rows, want the %d decisions alone", len(rows), len(decided))
		}
	}
	onPlatform := placed{Deal: "acme-platform", State: model.LinkAuto, Method: model.MethodDomain}

	t.Run("rematch", func(t *testing.T) {
		if _, err := tm.Linker.Rematch(tm.Ctx); err != nil {
			t.Fatal(err)
		}
		check(t, onPlatform)
	})
	t.Run("identical re-import", func(t *testing.T) {
		tm.importDeals(acmePlatform, acmeServices, initechRenewal)
		check(t, onPlatform)
	})
	t.Run("re-sync after UIDVALIDITY changed", func(t *testing.T) {
		tm.ResetFolder("rep1", "INBOX")
		tm.Deliver("rep1", "INBOX", msgs...)
		check(t, onPlatform)
		for _, key := range []string{"confirmed", "control"} {
			s := tm.Activity(key).Sightings
			if len(s) != 1 || s[0].UIDValidity != 2 {
				t.Errorf("%s is sighted %+v, want once, under the new UIDVALIDITY", key, s)
			}
		}
	})
	t.Run("sighting in another mailbox", func(t *testing.T) {
		tm.Deliver("rep2", "INBOX", msgs...)
		check(t, onPlatform)
		if s := tm.Activity("reassigned").Sightings; len(s) != 2 {
			t.Errorf("reassigned is sighted %+v, want in Rita's and Sam's mailboxes", s)
		}
	})
	t.Run("re-import moving the domain", func(t *testing.T) {
		platform, services := acmePlatform, acmeServices
		platform.Domains, services.Domains = []string{"acme-legacy.example"}, []string{"acme-legacy.example"}
		group := model.Deal{ID: "acme-group", Name: "Acme Group Rollout", Account: "Acme Group", Owner: rep2,
			Stage: "discovery", Status: model.DealOpen, Created: day("2026-03-01"), Domains: []string{"acme.example"}}
		tm.importDeals(platform, services, group, initechRenewal)
		check(t, placed{Deal: "acme-group", State: model.LinkAuto, Method: model.MethodDomain})
	})
}

// TestAuditLogListsEveryChange: after a morning of decisions by Rita, Sam
// and Lena, the audit log has one row per activity per decision and one
// per rule, newest first, and a leader can filter it by deal (moved from
// or to) and by person.
func TestAuditLogListsEveryChange(t *testing.T) {
	tm := newTeam(t)
	root := mail("root", day("2026-03-10"), rep1, "jane@acme.example")
	tm.Deliver("rep1", "Sent", root)
	tm.Deliver("rep1", "INBOX",
		reply(root, "jane-answer", day("2026-03-11"), "jane@acme.example", rep1),
		mail("tom", day("2026-03-12"), "tom@acme.example", rep1),
		mail("bill", day("2026-03-13"), "bill@initech.example", rep2),
		mail("newsletter", day("2026-03-14"), "news@initech.example", rep2))

	steps := []decision.Request{
		{Actor: rep1, ActivityID: tm.id("bill"), Action: model.ActionConfirm},
		{Actor: rep2, ActivityID: tm.id("root"), Action: model.ActionReassign, DealID: "acme-services", Thread: true},
		{Actor: rep2, ActivityID: tm.id("tom"), Action: model.ActionReassign, DealID: "acme-services", Always: decision.AlwaysAddress},
		{Actor: lead, ActivityID: tm.id("newsletter"), Action: model.ActionIgnore},
	}
	// What each step writes, oldest first: [action, activity key].
	want := [][2]string{
		{"confirm", "bill"},
		{"reassign", "root"}, {"reassign", "jane-answer"},
		{"rule", ""}, {"reassign", "tom"},
		{"ignore", "newsletter"},
	}
	for _, req := range steps {
		tm.apply(req)
	}
	all := tm.decisions(store.DecisionFilter{})
	if len(all) != len(want) {
		t.Fatalf("audit log has %d rows, want %d: %+v", len(all), len(want), all)
	}
	for i, d := range all {
		w := want[len(want)-1-i] // newest first
		id := int64(0)
		if w[1] != "" {
			id = tm.id(w[1])
		}
		if string(d.Action) != w[0] || d.ActivityID != id {
			t.Errorf("row %d is %s on activity %d, want %s on %s", i, d.Action, d.ActivityID, w[0], w[1])
		}
		if i > 0 && (d.ID >= all[i-1].ID || d.At.After(all[i-1].At)) {
			t.Errorf("row %d (id %d at %v) is listed after the newer row %d (id %d at %v)", i, d.ID, d.At, i-1, all[i-1].ID, all[i-1].At)
		}
	}

	keysOf := func(rows []model.Decision) []string {
		var out []string
		for _, d := range rows {
			for k, a := range tm.Activities() {
				if a.ID == d.ActivityID {
					out = append(out, k)
				}
			}
			if d.ActivityID == 0 {
				out = append(out, "rule")
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    store.DecisionFilter
		want []string // newest first
	}{
		{"moved off acme-platform", store.DecisionFilter{DealID: "acme-platform"}, []string{"tom", "jane-answer", "root"}},
		{"moved onto acme-services, and the rule to it", store.DecisionFilter{DealID: "acme-services"}, []string{"tom", "rule", "jane-answer", "root"}},
		{"about initech-renewal", store.DecisionFilter{DealID: "initech-renewal"}, []string{"newsletter", "bill"}},
		{"by Sam", store.DecisionFilter{Actor: rep2}, []string{"tom", "rule", "jane-answer", "root"}},
		{"by Lena", store.DecisionFilter{Actor: lead}, []string{"newsletter"}},
		{"by Sam about initech", store.DecisionFilter{Actor: rep2, DealID: "initech-renewal"}, nil},
	} {
		if got := keysOf(tm.decisions(tc.f)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
