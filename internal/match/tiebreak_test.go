package match

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Step 9: Initech has two open deals, Bob's expansion (created
// 2026-01-10) and Alice's support renewal (created 2025-12-01). The owner
// who took part decides; when no single owner did, a rep chooses.
func TestTieBreak(t *testing.T) {
	both := []string{"initech-expansion", "initech-support"}
	runCases(t, testMatcher(), []matchCase{
		{"Bob on the thread", mail(today, bob, "it@initech.example"),
			want{state: model.LinkAuto, deal: "initech-expansion", method: model.MethodDomain, conf: 0.75,
				cands: []string{"initech-support"},
				words: []string{"domain initech.example → Initech", "2 live deals", "owner Bob Rep was on the thread"}}},
		{"Alice in cc", mail(today, "it@initech.example", carol, "cc:"+alice),
			want{state: model.LinkAuto, deal: "initech-support", method: model.MethodDomain,
				cands: []string{"initech-expansion"}, words: []string{"owner Alice Rep was on the thread"}}},
		{"no owner took part", mail(today, carol, "it@initech.example"),
			want{state: model.LinkReview, method: model.MethodDomain, cands: both,
				words: []string{"initech.example", "2 live deals", "no owner took part"}}},
		{"both owners on the thread", mail(today, alice, "it@initech.example", "cc:"+bob),
			want{state: model.LinkReview, method: model.MethodDomain, cands: both,
				words: []string{"Alice Rep", "Bob Rep", "both on the thread"}}},
		{"creation closest to the mail first", mail(day("2025-12-15"), carol, "it@initech.example"),
			want{state: model.LinkReview, method: model.MethodDomain,
				cands: []string{"initech-support", "initech-expansion"}}},
	})
}

// Step 9, with the mailboxes that saw the message: a message Bcc'd or sent
// to an alias is seen by owners who are not participants.
func TestTieBreakSeenBy(t *testing.T) {
	runCases(t, testMatcher(), []matchCase{
		{"only Bob's mailbox saw it", mail(today, "it@initech.example", "sales@ourco.example").seenBy(carol, bob),
			want{state: model.LinkAuto, deal: "initech-expansion", method: model.MethodDomain, conf: 0.75,
				cands: []string{"initech-support"}, words: []string{"only owner Bob Rep's mailbox saw it"}}},
		{"both owners' mailboxes saw it", mail(today, "it@initech.example", "sales@ourco.example").seenBy(alice, bob),
			want{state: model.LinkReview, method: model.MethodDomain,
				cands: []string{"initech-expansion", "initech-support"}, words: []string{"mailboxes of owners", "Alice Rep", "Bob Rep"}}},
		{"a participant owner beats a mailbox owner", mail(today, "it@initech.example", alice).seenBy(alice, bob),
			want{state: model.LinkAuto, deal: "initech-support", method: model.MethodDomain,
				cands: []string{"initech-expansion"}, words: []string{"owner Alice Rep was on the thread"}}},
		{"nobody's mailbox that counts", mail(today, "it@initech.example", "sales@ourco.example").seenBy(carol),
			want{state: model.LinkReview, method: model.MethodDomain,
				cands: []string{"initech-expansion", "initech-support"}, words: []string{"no owner took part"}}},
	})
}

// Step 9: Stark's two deals are both Alice's; taking part cannot tell them
// apart, so Alice chooses.
func TestTieBreakSameOwner(t *testing.T) {
	stark := []string{"stark-sw", "stark-hw"} // stark-sw was created closer to the mail
	runCases(t, testMatcher(), []matchCase{
		{"owner on the thread", mail(today, "tony@stark.example", alice),
			want{state: model.LinkReview, method: model.MethodDomain, cands: stark,
				words: []string{"domain stark.example → Stark", "2 live deals, both owned by Alice Rep", "on the thread"}}},
		{"owner absent", mail(today, "tony@stark.example", carol),
			want{state: model.LinkReview, method: model.MethodDomain, cands: stark,
				words: []string{"both owned by Alice Rep"}}},
		{"owner's mailbox only", mail(today, "tony@stark.example", "sales@ourco.example").seenBy(alice),
			want{state: model.LinkReview, method: model.MethodDomain, cands: stark,
				words: []string{"both owned by Alice Rep", "mailbox saw it"}}},
	})
}

// Step 9: of Vandelay's three deals Alice owns two; her taking part rules
// out Bob's deal but still leaves two.
func TestTieBreakOwnerOfSeveral(t *testing.T) {
	one := []string{"vandelay.example"}
	deals := []model.Deal{
		mkDeal("v-latex", "Vandelay Latex", "Vandelay", alice, "2026-01-01", "", one, nil),
		mkDeal("v-import", "Vandelay Import", "Vandelay", alice, "2025-06-01", "", one, nil),
		mkDeal("v-export", "Vandelay Export", "Vandelay", bob, "2026-02-01", "", one, nil),
	}
	m := New(testConfig(), deals, nil)
	checkLink(t, m.Match(mail(today, "art@vandelay.example", alice)), want{
		state: model.LinkReview, method: model.MethodDomain,
		cands: []string{"v-latex", "v-import", "v-export"},
		words: []string{"3 live deals", "owner Alice Rep was on the thread but owns 2 of them"},
	})
}

// Two rules from two participants to two deals tie-break like any step.
func TestTieBreakRules(t *testing.T) {
	rules := []model.Rule{
		{Kind: model.RuleDeal, Address: "jane@acme.example", DealID: "acme-platform"},
		{Kind: model.RuleDeal, Address: "it@initech.example", DealID: "initech-expansion"},
	}
	m := New(testConfig(), testDeals(), rules)
	checkLink(t, m.Match(mail(today, "jane@acme.example", bob, "cc:it@initech.example")), want{
		state: model.LinkAuto, deal: "initech-expansion", method: model.MethodRule, conf: 0.88,
		cands: []string{"acme-platform"},
		words: []string{"rule for jane@acme.example", "rule for it@initech.example", "owner Bob Rep was on the thread"},
	})
}

// The same activity gets the same link, whatever the order of the deals
// and rules, and however often it is matched.
func TestDeterminism(t *testing.T) {
	inputs := []Input{
		mail(today, carol, "it@initech.example"),
		mail(today, "tony@stark.example", alice),
		mail(today, "it@initech.example", "sales@ourco.example").seenBy(alice, bob),
		mail(today, "cto@acme.example", alice, "cc:tony@umbrella.example", "cc:buyer@sales.acme.co.uk"),
		mail(today, "ceo@umbrella.example", carol, "cc:ceo@hooli.example", "cc:stranger@gmail.com"),
		mail(today, "lawyer@lawfirm.example", alice).thread("acme-platform"),
		mail(today, "bruce.w@gmail.com", bob),
		mail(today, "eng@cyberdyne.example", "lab@eu.cyberdyne.example"),
	}
	base := testMatcher()
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		deals, rules := testDeals(), testRules()
		rng.Shuffle(len(deals), func(i, j int) { deals[i], deals[j] = deals[j], deals[i] })
		rng.Shuffle(len(rules), func(i, j int) { rules[i], rules[j] = rules[j], rules[i] })
		m := New(testConfig(), deals, rules)
		for i, in := range inputs {
			want, got, again := base.Match(in), m.Match(in), m.Match(in)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(again, want) {
				t.Errorf("round %d input %d: got %+v then %+v, want %+v", round, i, got, again, want)
			}
		}
	}
}

// The matcher is shared by the sync workers.
func TestConcurrentUse(t *testing.T) {
	m := testMatcher()
	in := mail(today, bob, "it@initech.example")
	want := m.Match(in)
	done := make(chan model.Link)
	for range 8 {
		go func() { done <- m.Match(in) }()
	}
	for range 8 {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	}
}
