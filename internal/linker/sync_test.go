package linker_test

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

// The Acme conversation of these tests: Rita writes to Jane at Acme from
// her Sent folder; Acme's outside counsel, at a firm nobody knows, answers
// Rita.
var (
	ritaToJane    = mail("root@ourco", day("2026-03-10"), rep1, "jane@acme.example")
	counselReply  = reply(ritaToJane, "counsel@lawfirm", day("2026-03-11"), "counsel@lawfirm.example", rep1)
	janeToRita    = mail("jane@acme", day("2026-03-09"), "jane@acme.example", rep1)
	acmePlatform  = deal("acme-platform", "Acme", rep1, day("2026-03-01"), "acme.example")
	initechRenew  = deal("initech-renewal", "Initech", rep2, day("2026-02-01"), "initech.example")
	strangerToRep = mail("stranger@x", day("2026-03-12"), "someone@unknown.example", rep1)
)

// TestNewMailIsLinkedAsItIsStored follows mail through ingest, batch by
// batch, and checks where each message stands after each batch: a
// customer's message lands on its deal by domain, and the reply of a
// lawyer at an unknown domain inherits the deal of the thread, whatever
// order the two messages are stored in.
func TestNewMailIsLinkedAsItIsStored(t *testing.T) {
	type batch struct {
		mailbox, folder string
		msgs            []model.Message
		want            map[string]placed // after this batch
	}
	for _, tc := range []struct {
		name    string
		batches []batch
	}{
		{"a customer writes", []batch{
			{"rep1", "INBOX", []model.Message{janeToRita, strangerToRep}, map[string]placed{
				"jane@acme": on("acme-platform", model.MethodDomain), "stranger@x": unlinked}},
		}},
		{"counsel replies after the root is stored", []batch{
			{"rep1", "Sent", []model.Message{ritaToJane}, map[string]placed{
				"root@ourco": on("acme-platform", model.MethodDomain)}},
			{"rep1", "INBOX", []model.Message{counselReply}, map[string]placed{
				"root@ourco":      on("acme-platform", model.MethodDomain),
				"counsel@lawfirm": on("acme-platform", model.MethodThread)}},
		}},
		{"counsel's reply is stored before the root", []batch{
			{"rep1", "INBOX", []model.Message{counselReply}, map[string]placed{
				"counsel@lawfirm": unlinked}},
			{"rep1", "Sent", []model.Message{ritaToJane}, map[string]placed{
				"root@ourco":      on("acme-platform", model.MethodDomain),
				"counsel@lawfirm": on("acme-platform", model.MethodThread)}},
		}},
		{"reply before root in one batch", []batch{
			{"rep1", "INBOX", []model.Message{counselReply, ritaToJane}, map[string]placed{
				"root@ourco":      on("acme-platform", model.MethodDomain),
				"counsel@lawfirm": on("acme-platform", model.MethodThread)}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm := newTeam(t)
			tm.ImportDeals(acmePlatform, initechRenew)
			for i, b := range tc.batches {
				tm.Deliver(b.mailbox, b.folder, b.msgs...)
				links := tm.links()
				if got, want := slices.Sorted(maps.Keys(links)), slices.Sorted(maps.Keys(b.want)); !slices.Equal(got, want) {
					t.Fatalf("after batch %d the store holds %v, want %v", i+1, got, want)
				}
				for key, want := range b.want {
					if got := placement(links[key]); got != want {
						t.Errorf("after batch %d (%s %s): %s is %v, want %v (reason %q)",
							i+1, b.mailbox, b.folder, key, got, want, links[key].Reason)
					}
				}
				if n := tm.queueLength(); n != 0 {
					t.Errorf("after batch %d, %d activities still wait to be matched", i+1, n)
				}
			}
		})
	}
}

// TestImportedDealLinksPastMail: Globex wrote in March and April, before
// anyone entered a deal; their mail is kept unlinked. The deal entered on
// May 10 reaches back 30 days: the two April messages after April 10 move
// onto it, the March one and the early April one stay unlinked, and
// Initech, in the same import but unchanged, is not re-matched.
func TestImportedDealLinksPastMail(t *testing.T) {
	tm := newTeam(t)
	tm.ImportDeals(initechRenew)
	tm.Deliver("rep2", "INBOX",
		mail("globex-mar", day("2026-03-20"), "hank@globex.example", rep2),
		mail("initech-apr", day("2026-04-02"), "bill@initech.example", rep2),
		mail("globex-apr-early", day("2026-04-05"), "hank@globex.example", rep2),
		mail("globex-apr-mid", day("2026-04-14"), "hank@globex.example", rep2),
		mail("globex-apr-late", day("2026-04-28"), "mindy@mail.globex.example", rep2))
	before := tm.links()
	for _, key := range []string{"globex-mar", "globex-apr-early", "globex-apr-mid", "globex-apr-late"} {
		if got := placement(before[key]); got != unlinked {
			t.Fatalf("before Globex has a deal, %s is %v, want %v", key, got, unlinked)
		}
	}

	res := tm.ImportDeals(initechRenew, deal("globex-pilot", "Globex", rep2, day("2026-05-10"), "globex.example"))
	if !slices.Equal(res.Changed, []string{"globex-pilot"}) {
		t.Errorf("import changed %v, want only globex-pilot", res.Changed)
	}
	sum := tm.Drain()
	if sum.Matched != 4 {
		t.Errorf("drain matched %d activities, want Globex's 4 and nothing else", sum.Matched)
	}
	if got, want := changeIDs(sum.Changes), tm.IDs("globex-apr-mid", "globex-apr-late"); !slices.Equal(got, want) {
		t.Errorf("drain moved %v, want the April mail inside the look-back %v", got, want)
	}
	for _, c := range sum.Changes {
		if c.Before.State != model.LinkNone || placement(&c.After) != on("globex-pilot", model.MethodDomain) {
			t.Errorf("activity %d moved %v → %v, want none → globex-pilot by domain", c.ActivityID, placement(&c.Before), placement(&c.After))
		}
	}
	after := tm.links()
	for key, want := range map[string]placed{
		"globex-mar":       unlinked,
		"globex-apr-early": unlinked,
		"globex-apr-mid":   on("globex-pilot", model.MethodDomain),
		"globex-apr-late":  on("globex-pilot", model.MethodDomain),
		"initech-apr":      on("initech-renewal", model.MethodDomain),
	} {
		if got := placement(after[key]); got != want {
			t.Errorf("after the import %s is %v, want %v", key, got, want)
		}
	}
	if !reflect.DeepEqual(after["initech-apr"], before["initech-apr"]) {
		t.Errorf("Initech's mail was rewritten: %+v, was %+v", after["initech-apr"], before["initech-apr"])
	}
}

// TestChangedDealRematchesOnlyAffected: when the CRM adds a domain to
// Acme's account or a contact to its deal, the activities it touches are
// matched again, and only those; an identical re-import matches nothing.
func TestChangedDealRematchesOnlyAffected(t *testing.T) {
	withLabs := acmePlatform
	withLabs.Domains = []string{"acme.example", "acme-labs.example"}
	withCFO := acmePlatform
	withCFO.Contacts = []string{"acme.cfo@gmail.com"}
	for _, tc := range []struct {
		name string
		deal model.Deal
		// matched counts the activities the drain matches: Acme's
		// (old and new domains, its contacts, those on the deal).
		matched int
		moved   map[string]placed
	}{
		{"account gains a domain", withLabs, 2, map[string]placed{"labs": on("acme-platform", model.MethodDomain)}},
		{"deal gains a contact", withCFO, 2, map[string]placed{"cfo": on("acme-platform", model.MethodContact)}},
		{"identical re-import", acmePlatform, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm := newTeam(t)
			tm.ImportDeals(acmePlatform, initechRenew)
			tm.Deliver("rep1", "INBOX",
				janeToRita,
				mail("labs", day("2026-03-10"), "ops@acme-labs.example", rep1),
				mail("cfo", day("2026-03-11"), "acme.cfo@gmail.com", rep1),
				mail("initech", day("2026-03-12"), "bill@initech.example", rep1))
			before := tm.links()
			if got := placement(before["labs"]); got != unlinked {
				t.Fatalf("labs is %v before the change, want %v", got, unlinked)
			}
			if got := placement(before["cfo"]); got != unlinked {
				t.Fatalf("cfo is %v before the change, want %v", got, unlinked)
			}

			res := tm.ImportDeals(tc.deal, initechRenew)
			sum := tm.Drain()
			if sum.Matched != tc.matched {
				t.Errorf("drain matched %d activities, want %d (import changed %v)", sum.Matched, tc.matched, res.Changed)
			}
			var keys []string
			for k := range tc.moved {
				keys = append(keys, k)
			}
			if got, want := changeIDs(sum.Changes), tm.IDs(keys...); !slices.Equal(got, want) {
				t.Errorf("drain moved %v, want %v (%v)", got, want, keys)
			}
			after := tm.links()
			for key, l := range after {
				want, moved := tc.moved[key]
				switch {
				case moved && placement(l) != want:
					t.Errorf("%s is %v, want %v", key, placement(l), want)
				case !moved && !reflect.DeepEqual(l, before[key]):
					t.Errorf("%s changed though the change did not touch it: %+v, was %+v", key, l, before[key])
				}
			}
		})
	}
}

// TestSecondProcessSeesImportedDeals: the daemon and a "deals import" run
// are two processes on one database file. Deals imported by the second
// are used by the daemon's next drain, and by its next batch of new mail,
// without a restart.
func TestSecondProcessSeesImportedDeals(t *testing.T) {
	daemon := newTeam(t)
	daemon.ImportDeals(initechRenew)
	daemon.Deliver("rep2", "INBOX", mail("globex-1", day("2026-04-20"), "hank@globex.example", rep2))
	if got := placement(daemon.Activity("globex-1").Link); got != unlinked {
		t.Fatalf("before the import globex-1 is %v, want %v", got, unlinked)
	}

	cli := openTeam(t, daemon.Path)
	cli.ImportDeals(initechRenew, deal("globex-pilot", "Globex", rep2, day("2026-05-01"), "globex.example"))
	sum := daemon.Drain()
	if got, want := changeIDs(sum.Changes), daemon.IDs("globex-1"); !slices.Equal(got, want) {
		t.Errorf("the daemon's drain moved %v, want %v", got, want)
	}
	if got, want := placement(daemon.Activity("globex-1").Link), on("globex-pilot", model.MethodDomain); got != want {
		t.Errorf("after the other process's import globex-1 is %v, want %v", got, want)
	}

	// A second import, then new mail: linked as it is stored.
	cli.ImportDeals(initechRenew, deal("globex-pilot", "Globex", rep2, day("2026-05-01"), "globex.example"),
		deal("hooli-search", "Hooli", rep1, day("2026-05-02"), "hooli.example"))
	daemon.Deliver("rep1", "INBOX", mail("hooli-1", day("2026-05-03"), "gavin@hooli.example", rep1))
	if got, want := placement(daemon.Activity("hooli-1").Link), on("hooli-search", model.MethodDomain); got != want {
		t.Errorf("new mail after the other process's import is %v, want %v", got, want)
	}
}
