package match

import (
	"strings"
	"testing"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Step 2: newsletters, notifications and vendors the team ignores never
// reach a deal, and never help one either.
func TestIgnore(t *testing.T) {
	runCases(t, testMatcher(), []matchCase{
		{"config domain", mail(today, "promo@news.example", alice),
			want{state: model.LinkIgnored, words: []string{"ignored", "news.example is ignored (config)"}}},
		{"config domain covers subdomains", mail(today, "digest@mail.news.example", alice),
			want{state: model.LinkIgnored, words: []string{"news.example is ignored (config)"}}},
		{"config address", mail(today, "notifications@acme.example", alice),
			want{state: model.LinkIgnored, words: []string{"notifications@acme.example is ignored (config)"}}},
		{"ignore rule on an address", mail(today, "billing@vendor.example", bob),
			want{state: model.LinkIgnored, words: []string{"billing@vendor.example is ignored (rule)"}}},
		{"ignore rule on a domain", mail(today, "win@prizes.spam.example", bob),
			want{state: model.LinkIgnored, words: []string{"spam.example is ignored (rule)"}}},
		{"every ignore is named", mail(today, "promo@news.example", alice, "cc:billing@vendor.example"),
			want{state: model.LinkIgnored, words: []string{"news.example is ignored (config)", "billing@vendor.example is ignored (rule)"}}},
		{"the customer on the thread still counts", mail(today, "jane@acme.example", alice, "cc:notifications@acme.example"),
			want{state: model.LinkAuto, deal: "acme-platform", method: model.MethodContact}},
		{"an ignored address does not carry its domain", mail(today, "notifications@acme.example", "stranger@gmail.com"),
			want{state: model.LinkNone, words: []string{"stranger@gmail.com is no contact", "notifications@acme.example is ignored (config)"}}},
	})
}

// Step 3: mail among the team is not deal activity.
func TestInternalOnly(t *testing.T) {
	runCases(t, testMatcher(), []matchCase{
		{"members", mail(today, alice, bob, "cc:carol@ourco.example"),
			want{state: model.LinkNone, words: []string{"internal only"}}},
		{"team subdomain", mail(today, "ops@eu.ourco.example", alice),
			want{state: model.LinkNone, words: []string{"internal only"}}},
		{"nobody at all", Input{At: today},
			want{state: model.LinkNone, words: []string{"internal only"}}},
	})
}

// Step 4: what a person said "always" about wins over guessing.
func TestRules(t *testing.T) {
	runCases(t, testMatcher(), []matchCase{
		{"address rule beats domain rule", mail(today, "cfo@cyberdyne.example", bob),
			want{state: model.LinkAuto, deal: "cyber-defense", method: model.MethodRule, conf: 0.98,
				words: []string{"rule for cfo@cyberdyne.example", "Cyberdyne Defense"}}},
		{"domain rule", mail(today, bob, "eng@cyberdyne.example"),
			want{state: model.LinkAuto, deal: "cyber-research", method: model.MethodRule, conf: 0.95,
				words: []string{"rule for domain cyberdyne.example", "Cyberdyne Research"}}},
		{"most specific domain rule", mail(today, "lab@berlin.eu.cyberdyne.example", bob),
			want{state: model.LinkAuto, deal: "cyber-defense", method: model.MethodRule,
				words: []string{"rule for domain eu.cyberdyne.example"}}},
		{"address rule on one participant beats domain rule on another", mail(today, "eng@cyberdyne.example", bob, "cc:cfo@cyberdyne.example"),
			want{state: model.LinkAuto, deal: "cyber-defense", method: model.MethodRule}},
		{"rule to a lost deal is not used", mail(today, "procurement@acme.example", alice),
			want{state: model.LinkAuto, deal: "acme-platform", method: model.MethodDomain,
				words: []string{"domain acme.example → Acme", "rule for procurement@acme.example", "Umbrella Pilot closed 2025-11-30"}}},
		{"rule to an unknown deal is left out", mail(today, "x@nowhere.example", alice),
			want{state: model.LinkNone, words: []string{"no account for nowhere.example"}}},
	})
}

// A rule naming a deal that was lost long ago is said in the reason when
// nothing else fits.
func TestDeadRuleReason(t *testing.T) {
	rules := []model.Rule{{Kind: model.RuleDeal, Address: "old@unknown.example", DealID: "umbrella"}}
	m := New(testConfig(), testDeals(), rules)
	checkLink(t, m.Match(mail(today, "old@unknown.example", carol)), want{state: model.LinkNone,
		words: []string{"rule for old@unknown.example", "Umbrella Pilot closed 2025-11-30", "no account for unknown.example"}})
}

// Step 5: a reply stays on the deal of its thread unless its participants
// point to another deal.
func TestThread(t *testing.T) {
	runCases(t, testMatcher(), []matchCase{
		{"a lawyer joins the thread", mail(today, "lawyer@lawfirm.example", carol, "cc:it@initech.example").thread("initech-support"),
			want{state: model.LinkAuto, deal: "initech-support", method: model.MethodThread, conf: 0.9,
				cands: []string{"initech-expansion"}, words: []string{"thread", "Initech Support Renewal", "lawyer@lawfirm.example joined"}}},
		// Participants who put the reply on the thread's deal by
		// themselves decide it: the result is the same whether or not
		// the thread's first message was matched before the reply.
		{"the customer's contact is on the reply too", mail(today, "lawyer@lawfirm.example", alice, "cc:jane@acme.example").thread("acme-platform"),
			want{state: model.LinkAuto, deal: "acme-platform", method: model.MethodContact, conf: 0.95}},
		{"only the lawyer replies", mail(today, "lawyer@lawfirm.example", alice).thread("acme-platform"),
			want{state: model.LinkAuto, deal: "acme-platform", method: model.MethodThread,
				words: []string{"lawyer@lawfirm.example joined"}}},
		{"the thread chooses among a company's deals", mail(today, "it@initech.example", carol).thread("initech-support"),
			want{state: model.LinkAuto, deal: "initech-support", method: model.MethodThread,
				cands: []string{"initech-expansion"}, words: []string{"Initech Support Renewal"}}},
		{"participants point to another company", mail(today, "it@initech.example", bob).thread("acme-platform"),
			want{state: model.LinkAuto, deal: "initech-expansion", method: model.MethodDomain,
				cands: []string{"initech-support"}, words: []string{"initech.example", "not followed", "Acme Platform"}}},
		{"thread to a lost deal is not followed", mail(today, "lawyer@lawfirm.example", carol).thread("umbrella"),
			want{state: model.LinkNone, words: []string{"Umbrella Pilot closed 2025-11-30", "no account for lawfirm.example"}}},
		{"unknown thread deal", mail(today, "jane@acme.example", alice).thread("gone"),
			want{state: model.LinkAuto, deal: "acme-platform", method: model.MethodContact}},
		{"rules beat the thread", mail(today, "cfo@cyberdyne.example", bob).thread("acme-platform"),
			want{state: model.LinkAuto, deal: "cyber-defense", method: model.MethodRule}},
	})
}

// Step 6: an address listed on a deal is the strongest guess, free mail
// included.
func TestContact(t *testing.T) {
	runCases(t, testMatcher(), []matchCase{
		{"listed contact", mail(today, "jane@acme.example", alice),
			want{state: model.LinkAuto, deal: "acme-platform", method: model.MethodContact, conf: 0.95,
				words: []string{"contact jane@acme.example", "Acme Platform"}}},
		{"free-mail contact", mail(today, carol, "soylent.ceo@gmail.com"),
			want{state: model.LinkAuto, deal: "soylent", method: model.MethodContact,
				words: []string{"contact soylent.ceo@gmail.com", "Soylent Supply"}}},
		{"contact of a lost deal goes to its account's live deal", mail(today, "bruce.w@gmail.com", bob),
			want{state: model.LinkAuto, deal: "wayne-fleet", method: model.MethodContact, conf: 0.9,
				words: []string{"contact of Wayne", "Wayne Fleet"}}},
		{"contact beats the domain of another participant", mail(today, "jane@acme.example", alice, "cc:it@initech.example"),
			want{state: model.LinkAuto, deal: "acme-platform", method: model.MethodContact}},
		{"free-mail stranger", mail(today, "stranger@gmail.com", alice),
			want{state: model.LinkNone, words: []string{"gmail.com is free mail", "stranger@gmail.com is no contact"}}},
		{"configured free mail", mail(today, "someone@freemail.example", alice),
			want{state: model.LinkNone, words: []string{"freemail.example is free mail"}}},
		{"unknown company and a free-mail stranger", mail(today, "a@initrode.example", alice, "cc:stranger@gmail.com"),
			want{state: model.LinkNone, words: []string{"no account for initrode.example", "gmail.com is free mail and stranger@gmail.com is no contact"}}},
	})
}

// Step 7: the company's domain, its subdomains, never a public suffix and
// never free mail.
func TestDomain(t *testing.T) {
	runCases(t, testMatcher(), []matchCase{
		{"domain", mail(today, "cto@acme.example", alice),
			want{state: model.LinkAuto, deal: "acme-platform", method: model.MethodDomain, conf: 0.85,
				words: []string{"domain acme.example → Acme", "Acme Platform"}}},
		{"subdomain", mail(today, "it@mail.acme.example", alice),
			want{state: model.LinkAuto, deal: "acme-platform", method: model.MethodDomain,
				words: []string{"mail.acme.example", "Acme"}}},
		{"upper case", Input{At: today, Participants: []model.Participant{{Email: "CTO@Acme.Example", Role: model.RoleFrom}}},
			want{state: model.LinkAuto, deal: "acme-platform", method: model.MethodDomain}},
		{"under co.uk", mail(today, "buyer@sales.acme.co.uk", bob),
			want{state: model.LinkAuto, deal: "acme-uk", method: model.MethodDomain, words: []string{"Acme UK"}}},
		{"another company under co.uk", mail(today, "buyer@other.co.uk", bob),
			want{state: model.LinkNone, words: []string{"no account for other.co.uk"}}},
		{"a bare public suffix", mail(today, "root@co.uk", bob),
			want{state: model.LinkNone, words: []string{"co.uk is no registrable domain"}}},
		{"an account listing gmail.com", mail(today, "mom@gmail.com", carol),
			want{state: model.LinkNone, words: []string{"gmail.com is free mail"}}},
		{"an account listing a free-mail subdomain", mail(today, "pop@shop.yahoo.com", carol),
			want{state: model.LinkNone, words: []string{"shop.yahoo.com is free mail"}}},
		{"unknown company", mail(today, "ceo@initrode.example", alice),
			want{state: model.LinkNone, words: []string{"no account for initrode.example"}}},
		{"two companies, one owner on the thread", mail(today, "cto@acme.example", alice, "cc:tony@umbrella.example", "cc:buyer@sales.acme.co.uk"),
			want{state: model.LinkAuto, deal: "acme-platform", method: model.MethodDomain, cands: []string{"acme-uk"},
				conf: 0.75, words: []string{"owner Alice Rep was on the thread"}}},
	})
}

// Step 8: a deal is live from its creation less the look-back to its
// closing plus the grace.
func TestLiveness(t *testing.T) {
	runCases(t, testMatcher(), []matchCase{
		{"before creation, inside the look-back", mail(day("2026-03-20"), "ceo@hooli.example", bob),
			want{state: model.LinkAuto, deal: "hooli", method: model.MethodDomain}},
		{"before creation, outside the look-back", mail(today, "ceo@hooli.example", bob),
			want{state: model.LinkNone, words: []string{"domain hooli.example → Hooli", "no deal live on 2026-03-02", "Hooli Search created 2026-04-15"}}},
		{"after it was lost, inside the grace", mail(day("2026-01-15"), "ceo@umbrella.example", carol),
			want{state: model.LinkAuto, deal: "umbrella", method: model.MethodDomain}},
		{"last day of the grace", mail(day("2026-01-29"), "ceo@umbrella.example", carol),
			want{state: model.LinkAuto, deal: "umbrella", method: model.MethodDomain}},
		{"after the grace", mail(today, "ceo@umbrella.example", carol),
			want{state: model.LinkNone, words: []string{"domain umbrella.example → Umbrella", "Umbrella Pilot closed 2025-11-30"}}},
		{"contact of dead deals only", mail(day("2024-11-01"), "bruce.w@gmail.com", bob),
			want{state: model.LinkNone, words: []string{"bruce.w@gmail.com is a contact of Wayne", "no deal live on 2024-11-01",
				"Wayne Pilot created 2025-01-10", "Wayne Fleet created 2026-01-05"}}},
	})
}

// A reason says each thing once, however many people of one company wrote.
func TestNoneReasonOnce(t *testing.T) {
	l := testMatcher().Match(mail(today, "a@initrode.example", alice, "b@initrode.example", "cc:c@initrode.example", "cc:x@umbrella.example", "cc:y@umbrella.example"))
	for _, phrase := range []string{"no account for initrode.example", "domain umbrella.example → Umbrella"} {
		if n := strings.Count(l.Reason, phrase); n != 1 {
			t.Errorf("reason %q says %q %d times, want once", l.Reason, phrase, n)
		}
	}
	if strings.HasSuffix(l.Reason, "; ") || strings.Contains(l.Reason, "; ;") {
		t.Errorf("reason %q has a stray separator", l.Reason)
	}
}
