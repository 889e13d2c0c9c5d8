package linker_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// Stark buys from both reps: hardware from Rita, software from Sam.
var (
	starkHardware = deal("stark-hw", "Stark", rep1, day("2026-02-01"), "stark.example")
	starkSoftware = deal("stark-sw", "Stark", rep2, day("2026-02-15"), "stark.example")
)

// decide records a person's decision straight in the store.
func (tm *team) decide(in store.DecisionInput) {
	tm.T.Helper()
	if _, err := tm.Store.Decide(tm.Ctx, in); err != nil {
		tm.T.Fatal(err)
	}
}

// TestRematchMatchesLikeSync builds a quarter of mail the way the daemon
// does, batch by batch, with every kind of outcome (domain, thread, a
// reply stored before its root, a tie broken by the owner, a review, a
// stranger, a rule, a person's decision), then re-matches everything. The
// full rematch must agree with incremental matching on every link, and a
// second rematch must change nothing.
func TestRematchMatchesLikeSync(t *testing.T) {
	tm := newTeam(t)
	tm.ImportDeals(acmePlatform, initechRenew, starkHardware, starkSoftware)
	tm.Deliver("rep1", "INBOX", counselReply, janeToRita, strangerToRep,
		mail("stark-rita", day("2026-03-02"), "tony@stark.example", rep1))
	tm.Deliver("rep1", "Sent", ritaToJane)
	tm.Deliver("sales", "INBOX", mail("stark-sales", day("2026-03-03"), "pepper@stark.example", sales))
	tm.Deliver("rep2", "INBOX",
		mail("initech-1", day("2026-03-04"), "bill@initech.example", rep2),
		mail("initech-2", day("2026-03-05"), "peter@initech.example", rep2))
	tm.decide(store.DecisionInput{Actor: rep2, Action: model.ActionReassign, ActivityIDs: tm.IDs("initech-2"),
		Link: model.Link{DealID: "stark-sw", State: model.LinkConfirmed}})
	tm.decide(store.DecisionInput{Actor: rep1, Action: model.ActionRule,
		Rule: &model.Rule{Kind: model.RuleDeal, Address: "pepper@stark.example", DealID: "stark-hw"}})
	tm.Drain()
	tm.Deliver("rep2", "INBOX", mail("stark-pepper-2", day("2026-03-20"), "pepper@stark.example", rep2))

	synced := tm.links()
	for key, want := range map[string]placed{
		"jane@acme":       on("acme-platform", model.MethodDomain),
		"root@ourco":      on("acme-platform", model.MethodDomain),
		"counsel@lawfirm": on("acme-platform", model.MethodThread),
		"stranger@x":      unlinked,
		"stark-rita":      on("stark-hw", model.MethodDomain),
		"stark-sales":     on("stark-hw", model.MethodRule),
		"stark-pepper-2":  on("stark-hw", model.MethodRule),
		"initech-1":       on("initech-renewal", model.MethodDomain),
		"initech-2":       {Deal: "stark-sw", State: model.LinkConfirmed, Method: model.MethodManual},
	} {
		if got := placement(synced[key]); got != want {
			t.Errorf("after sync %s is %v, want %v (%s)", key, got, want, synced[key].Reason)
		}
	}

	for round := 1; round <= 2; round++ {
		sum, err := tm.Linker.Rematch(tm.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Matched != len(synced) {
			t.Errorf("rematch %d matched %d activities, want all %d", round, sum.Matched, len(synced))
		}
		for _, c := range sum.Changes {
			t.Errorf("rematch %d moved activity %d: %v → %v (%s)", round, c.ActivityID, placement(&c.Before), placement(&c.After), c.After.Reason)
		}
		for key, l := range tm.links() {
			if !reflect.DeepEqual(l, synced[key]) {
				t.Errorf("rematch %d: %s is %+v\nafter sync it was %+v", round, key, l, synced[key])
			}
		}
	}
}

// TestMatchNewLeavesKnownMailToTheQueue: a message to the shared sales
// address is first synced from Sam's mailbox only, then found in Rita's
// too. MatchNew links only what is new in a batch; the known message gets
// its new sighting and is matched from the queue with all of them. Stark
// has a deal of each rep: seen by Sam's mailbox alone it goes to Sam's
// deal; once both owners' mailboxes saw it, neither stands out and it goes
// to review.
func TestMatchNewLeavesKnownMailToTheQueue(t *testing.T) {
	tm := newTeam(t)
	tm.ImportDeals(starkHardware, starkSoftware)
	rfp := mail("stark-rfp", day("2026-03-02"), "pepper@stark.example", sales)
	tm.Deliver("rep2", "INBOX", rfp)
	first := tm.Activity("stark-rfp")
	if got, want := placement(first.Link), on("stark-sw", model.MethodDomain); got != want ||
		!strings.Contains(first.Link.Reason, "only owner Sam Rep's mailbox saw it") {
		t.Fatalf("seen by Sam only, the RFP is %v (%q), want %v as only Sam's mailbox saw it", got, first.Link.Reason, want)
	}

	// Rita's mailbox holds the RFP and a new follow-up.
	followUp := mail("stark-followup", day("2026-03-03"), "pepper@stark.example", sales)
	var acts []model.Activity
	for i, m := range []model.Message{rfp, followUp} {
		acts = append(acts, model.Activity{Kind: model.KindEmail, Key: m.Key, At: m.Date, Direction: model.Inbound,
			ThreadKey: m.Key, Participants: m.Participants,
			Sightings: []model.Sighting{{Mailbox: "rep1", Folder: "INBOX", UIDValidity: 1, UID: uint32(i + 1)}}})
	}
	err := tm.Linker.MatchNew(tm.Ctx, acts, func(version int64) error {
		return tm.Store.SaveFolderBatch(tm.Ctx, store.FolderBatch{Mailbox: "rep1", Folder: "INBOX",
			Checkpoint: model.FolderState{UIDValidity: 1, LastUID: 2}, Activities: acts, CatalogVersion: version})
	})
	if err != nil {
		t.Fatal(err)
	}
	if acts[0].Link != nil {
		t.Errorf("MatchNew linked the known RFP: %+v; it must be left to the queue", acts[0].Link)
	}
	if got, want := placement(acts[1].Link), on("stark-hw", model.MethodDomain); got != want {
		t.Errorf("MatchNew linked the new follow-up %v, want %v (only Rita's mailbox saw it)", got, want)
	}
	if got := tm.Activity("stark-rfp").Link; !reflect.DeepEqual(got, first.Link) {
		t.Errorf("storing the batch changed the RFP's link to %+v before any match", got)
	}
	if n := tm.queueLength(); n != 1 {
		t.Errorf("%d activities queued, want the RFP alone", n)
	}

	sum := tm.Drain()
	if sum.Matched != 1 || !slices.Equal(changeIDs(sum.Changes), tm.IDs("stark-rfp")) {
		t.Errorf("drain matched %d and moved %v, want the RFP alone", sum.Matched, changeIDs(sum.Changes))
	}
	got := tm.Activity("stark-rfp").Link
	want := placed{State: model.LinkReview, Method: model.MethodDomain}
	if placement(got) != want || !slices.Equal(got.Candidates, []string{"stark-sw", "stark-hw"}) ||
		!strings.Contains(got.Reason, "the mailboxes of owners Sam Rep and Rita Rep saw it") {
		t.Errorf("seen by both owners, the RFP is %v with candidates %v (%q), want %v with stark-sw (created closer to the RFP) then stark-hw",
			placement(got), got.Candidates, got.Reason, want)
	}
	if len(tm.Activity("stark-rfp").Sightings) != 2 {
		t.Errorf("the RFP has sightings %+v, want Sam's and Rita's", tm.Activity("stark-rfp").Sightings)
	}
}

// TestPreviewCountsWhatARuleWouldMove: before Rita makes "always put
// acme.example (or jane@acme.example) on Acme Services", she sees exactly
// the past activities it would move: not those already there, not those
// of other companies, never a person's decision. Previewing changes
// nothing.
func TestPreviewCountsWhatARuleWouldMove(t *testing.T) {
	tm := newTeam(t)
	acmeServices := deal("acme-services", "Acme", rep2, day("2026-03-05"), "acme.example")
	tm.ImportDeals(acmePlatform, acmeServices, initechRenew)
	tm.Deliver("rep1", "INBOX",
		mail("jane-1", day("2026-03-10"), "jane@acme.example", rep1),
		mail("tom-eu", day("2026-03-11"), "tom@eu.acme.example", rep1),
		mail("jane-decided", day("2026-03-12"), "jane@acme.example", rep1),
		mail("bill", day("2026-03-13"), "bill@initech.example", rep1))
	tm.Deliver("rep2", "INBOX", mail("jane-sam", day("2026-03-14"), "jane@acme.example", rep2))
	tm.Deliver("sales", "INBOX", mail("ops-sales", day("2026-03-15"), "ops@acme.example", sales))
	tm.decide(store.DecisionInput{Actor: rep1, Action: model.ActionConfirm, ActivityIDs: tm.IDs("jane-decided"),
		Link: model.Link{DealID: "acme-platform", State: model.LinkConfirmed}})
	tm.Drain()
	before := tm.links()
	for key, want := range map[string]placed{
		"jane-1":       on("acme-platform", model.MethodDomain),
		"tom-eu":       on("acme-platform", model.MethodDomain),
		"jane-decided": {Deal: "acme-platform", State: model.LinkConfirmed, Method: model.MethodManual},
		"jane-sam":     on("acme-services", model.MethodDomain),
		"ops-sales":    {State: model.LinkReview, Method: model.MethodDomain},
		"bill":         on("initech-renewal", model.MethodDomain),
	} {
		if got := placement(before[key]); got != want {
			t.Fatalf("before the preview %s is %v, want %v (%s)", key, got, want, before[key].Reason)
		}
	}

	for _, tc := range []struct {
		name string
		rule model.Rule
		want []string
	}{
		{"domain", model.Rule{Kind: model.RuleDeal, Domain: "acme.example", DealID: "acme-services"}, []string{"jane-1", "tom-eu", "ops-sales"}},
		{"address", model.Rule{Kind: model.RuleDeal, Address: "jane@acme.example", DealID: "acme-services"}, []string{"jane-1"}},
		{"ignore address", model.Rule{Kind: model.RuleIgnore, Address: "jane@acme.example"}, []string{"jane-1", "jane-sam"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			moves, err := tm.Linker.Preview(tm.Ctx, tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, mv := range moves {
				got = append(got, mv.Activity.ID)
				if !reflect.DeepEqual(mv.Before, *before[mv.Activity.Key]) {
					t.Errorf("move of %s starts from %+v, want its stored link %+v", mv.Activity.Key, mv.Before, *before[mv.Activity.Key])
				}
				want := on("acme-services", model.MethodRule)
				if tc.rule.Kind == model.RuleIgnore {
					want = placed{State: model.LinkIgnored}
				}
				if placement(&mv.After) != want {
					t.Errorf("%s would move to %v, want %v", mv.Activity.Key, placement(&mv.After), want)
				}
			}
			slices.Sort(got)
			if want := tm.IDs(tc.want...); !slices.Equal(got, want) {
				t.Errorf("preview moves %v, want %v %v", got, want, tc.want)
			}
		})
	}
	_, err := tm.Linker.Preview(tm.Ctx, model.Rule{Kind: model.RuleDeal, Domain: "acme.example", DealID: "acme-mystery"})
	if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "acme-mystery") {
		t.Errorf("preview of a rule to an unknown deal: %v, want not found naming acme-mystery", err)
	}
	if !reflect.DeepEqual(tm.links(), before) {
		t.Errorf("previewing changed links")
	}
	if rules, err := tm.Store.Rules(tm.Ctx); err != nil || len(rules) != 0 {
		t.Errorf("previewing saved rules %+v (%v)", rules, err)
	}
	if sum := tm.Drain(); sum.Matched != 0 {
		t.Errorf("previewing queued %d activities", sum.Matched)
	}
}

// TestRematchKeepsRepliesDatedBeforeTheirRoot: the lawyer's mail server
// runs a quarter of an hour slow, so its reply is dated before Rita's
// email it answers. Sync links it by thread all the same; a full rematch,
// which walks the mail in date order, must not lose that link.
func TestRematchKeepsRepliesDatedBeforeTheirRoot(t *testing.T) {
	tm := newTeam(t)
	tm.ImportDeals(acmePlatform)
	root := mail("root@ourco", day("2026-03-10"), rep1, "jane@acme.example")
	skewed := reply(root, "counsel@lawfirm", day("2026-03-10").Add(-10*time.Minute), "counsel@lawfirm.example", rep1)
	tm.Deliver("rep1", "Sent", root)
	tm.Deliver("rep1", "INBOX", skewed)
	synced := tm.links()
	if got, want := placement(synced["counsel@lawfirm"]), on("acme-platform", model.MethodThread); got != want {
		t.Fatalf("after sync the skewed reply is %v, want %v", got, want)
	}
	sum, err := tm.Linker.Rematch(tm.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sum.Changes {
		t.Errorf("rematch moved activity %d: %v → %v (%s)", c.ActivityID, placement(&c.Before), placement(&c.After), c.After.Reason)
	}
	for key, l := range tm.links() {
		if !reflect.DeepEqual(l, synced[key]) {
			t.Errorf("after rematch %s is %+v\nafter sync it was %+v", key, l, synced[key])
		}
	}
}

// TestRematchAfterASightingIsLost: Sam's INBOX is reset by the server
// (new UIDVALIDITY) and the RFP, seen only there, is gone from it. The
// RFP keeps the link "only owner Sam Rep's mailbox saw it" though no
// mailbox holds it any more, and a full rematch then sends it to review:
// incremental and full matching disagree.
func TestRematchAfterASightingIsLost(t *testing.T) {
	tm := newTeam(t)
	tm.ImportDeals(starkHardware, starkSoftware)
	tm.Deliver("rep2", "INBOX", mail("stark-rfp", day("2026-03-02"), "pepper@stark.example", sales))
	if err := tm.Ingester.SaveMailBatch(tm.Ctx, model.MailBatch{Mailbox: "rep2", Folder: "INBOX", UIDValidity: 2}); err != nil {
		t.Fatal(err)
	}
	synced := tm.Activity("stark-rfp").Link
	sum, err := tm.Linker.Rematch(tm.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Changes) != 0 {
		t.Errorf("rematch moved the RFP from %v (%s) to %v (%s)", placement(synced), synced.Reason,
			placement(&sum.Changes[0].After), sum.Changes[0].After.Reason)
	}
}
