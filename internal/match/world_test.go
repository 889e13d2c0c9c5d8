package match

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// The team of these tests sells from ourco.example: Alice, Bob and Carol.
const (
	alice = "alice@ourco.example"
	bob   = "bob@ourco.example"
	carol = "carol@ourco.example"
)

// day parses a date at noon UTC.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

// today is when most of the mail of these tests arrives.
var today = day("2026-03-02")

func testConfig() Config {
	return Config{
		Team: model.NewTeam([]string{"ourco.example"}, []string{alice, bob, carol}),
		MemberNames: map[string]string{
			alice: "Alice Rep", bob: "Bob Rep", carol: "Carol Rep",
		},
		Lookback:        30 * 24 * time.Hour,
		Grace:           60 * 24 * time.Hour,
		FreeMailDomains: []string{"freemail.example"},
		IgnoreDomains:   []string{"news.example"},
		IgnoreAddresses: []string{"notifications@acme.example"},
	}
}

func mkDeal(id, name, account, owner, created, closed string, domains, contacts []string) model.Deal {
	d := model.Deal{ID: id, Name: name, Account: account, Owner: owner, Domains: domains,
		Contacts: contacts, Status: model.DealOpen, Created: day(created)}
	if closed != "" {
		d.Closed, d.Status = day(closed), model.DealLost
	}
	return d
}

// testDeals is the team's CRM, as imported.
func testDeals() []model.Deal {
	one := func(s ...string) []string { return s }
	return []model.Deal{
		mkDeal("acme-platform", "Acme Platform", "Acme", alice, "2025-09-01", "", one("acme.example"), one("jane@acme.example")),
		// Initech: two open deals, different owners.
		mkDeal("initech-expansion", "Initech Expansion", "Initech", bob, "2026-01-10", "", one("initech.example"), nil),
		mkDeal("initech-support", "Initech Support Renewal", "Initech", alice, "2025-12-01", "", one("initech.example"), nil),
		// Stark: two open deals, one owner.
		mkDeal("stark-hw", "Stark Hardware", "Stark", alice, "2025-10-01", "", one("stark.example"), nil),
		mkDeal("stark-sw", "Stark Software", "Stark", alice, "2026-01-15", "", one("stark.example"), nil),
		// Umbrella: lost on 2025-11-30.
		mkDeal("umbrella", "Umbrella Pilot", "Umbrella", carol, "2025-03-01", "2025-11-30", one("umbrella.example"), nil),
		// Hooli: entered in the CRM on 2026-04-15.
		mkDeal("hooli", "Hooli Search", "Hooli", bob, "2026-04-15", "", one("hooli.example"), nil),
		// A British company, and a careless import listing a public suffix.
		mkDeal("acme-uk", "Acme UK Rollout", "Acme UK", bob, "2025-01-01", "", one("ACME.co.uk"), nil),
		mkDeal("sloppy", "Sloppy Import", "Sloppy", carol, "2025-01-01", "", one("co.uk"), nil),
		// Soylent's CEO writes from gmail; Mom & Pop listed free-mail domains.
		mkDeal("soylent", "Soylent Supply", "Soylent", carol, "2025-08-01", "", one("soylent.example"), one("soylent.ceo@gmail.com")),
		mkDeal("mompop", "Mom & Pop Shop", "Mom & Pop", carol, "2025-08-01", "", one("gmail.com", "shop.yahoo.com"), nil),
		// Wayne: Bruce was a contact on the lost pilot; the fleet deal is live.
		mkDeal("wayne-pilot", "Wayne Pilot", "Wayne", bob, "2025-01-10", "2025-06-30", one("wayne.example"), one("bruce.w@gmail.com")),
		mkDeal("wayne-fleet", "Wayne Fleet", "Wayne", bob, "2026-01-05", "", one("wayne.example"), nil),
		// Cyberdyne: rules decide.
		mkDeal("cyber-research", "Cyberdyne Research", "Cyberdyne", bob, "2025-06-01", "", one("cyberdyne.example"), nil),
		mkDeal("cyber-defense", "Cyberdyne Defense", "Cyberdyne", alice, "2025-07-01", "", one("cyberdyne.example"), nil),
	}
}

func testRules() []model.Rule {
	return []model.Rule{
		{Kind: model.RuleDeal, Address: "cfo@cyberdyne.example", DealID: "cyber-defense"},
		{Kind: model.RuleDeal, Domain: "cyberdyne.example", DealID: "cyber-research"},
		{Kind: model.RuleDeal, Domain: "eu.cyberdyne.example", DealID: "cyber-defense"},
		// A rule to the lost Umbrella deal, for an Acme address.
		{Kind: model.RuleDeal, Address: "procurement@acme.example", DealID: "umbrella"},
		{Kind: model.RuleDeal, Address: "x@nowhere.example", DealID: "no-such-deal"},
		{Kind: model.RuleIgnore, Address: "billing@vendor.example"},
		{Kind: model.RuleIgnore, Domain: "spam.example"},
	}
}

func testMatcher() *Matcher { return New(testConfig(), testDeals(), testRules()) }

// mail builds the input of an email: from, to, then cc.
func mail(at time.Time, from string, to ...string) Input {
	in := Input{At: at, Participants: []model.Participant{{Email: from, Role: model.RoleFrom}}}
	for _, a := range to {
		role := model.RoleTo
		if c, ok := strings.CutPrefix(a, "cc:"); ok {
			a, role = c, model.RoleCc
		}
		in.Participants = append(in.Participants, model.Participant{Email: a, Role: role})
	}
	return in
}

func (in Input) seenBy(members ...string) Input { in.SeenBy = members; return in }
func (in Input) thread(deal string) Input       { in.ThreadDeal = deal; return in }

// want is what a case expects of a link.
type want struct {
	state  model.LinkState
	deal   string
	method model.Method
	cands  []string
	conf   float64 // checked when not zero
	words  []string
}

type matchCase struct {
	name string
	in   Input
	want want
}

func runCases(t *testing.T, m *Matcher, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkLink(t, m.Match(c.in), c.want)
		})
	}
}

func checkLink(t *testing.T, got model.Link, w want) {
	t.Helper()
	t.Logf("%s %q %v: %s", got.State, got.DealID, got.Candidates, got.Reason)
	if got.State != w.state || got.DealID != w.deal || got.Method != w.method {
		t.Errorf("got %s %q by %q, want %s %q by %q (reason %q)",
			got.State, got.DealID, got.Method, w.state, w.deal, w.method, got.Reason)
	}
	if !slices.Equal(got.Candidates, w.cands) {
		t.Errorf("candidates %q, want %q", got.Candidates, w.cands)
	}
	if slices.Contains(got.Candidates, got.DealID) && got.DealID != "" {
		t.Errorf("candidates %q repeat the deal %q", got.Candidates, got.DealID)
	}
	if w.conf != 0 && math.Abs(got.Confidence-w.conf) > 1e-9 {
		t.Errorf("confidence %v, want %v", got.Confidence, w.conf)
	}
	if got.State != model.LinkAuto && got.Confidence != 0 {
		t.Errorf("confidence %v on a %s link, want 0", got.Confidence, got.State)
	}
	for _, w := range w.words {
		if !strings.Contains(got.Reason, w) {
			t.Errorf("reason %q does not mention %q", got.Reason, w)
		}
	}
}
