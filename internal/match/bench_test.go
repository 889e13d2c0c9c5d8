package match

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// benchWorld is a large team's CRM: 10,000 deals over about 3,500
// accounts, 25 reps, three years of deals, a few hundred rules, and a
// realistic mix of mail to match against it.
type benchWorld struct {
	cfg    Config
	deals  []model.Deal
	rules  []model.Rule
	inputs []Input
}

func newBenchWorld(nDeals int) *benchWorld {
	rng := rand.New(rand.NewPCG(7, 11))
	w := &benchWorld{}
	var reps, domains []string
	names := map[string]string{}
	for i := range 25 {
		r := fmt.Sprintf("rep%02d@ourco.example", i)
		reps = append(reps, r)
		names[r] = fmt.Sprintf("Rep %02d", i)
	}
	w.cfg = Config{
		Team:            model.NewTeam([]string{"ourco.example"}, reps),
		MemberNames:     names,
		Lookback:        30 * 24 * time.Hour,
		Grace:           60 * 24 * time.Hour,
		IgnoreDomains:   []string{"news.example", "mailer.example"},
		IgnoreAddresses: []string{"noreply@github.com"},
	}
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	span := 3 * 365 * 24 * time.Hour
	var contacts []string // outside addresses listed on deals
	for len(w.deals) < nDeals {
		a := len(domains)
		dom := fmt.Sprintf("acct%04d.example", a)
		if a%10 == 0 {
			dom = fmt.Sprintf("acct%04d.co.uk", a)
		}
		domains = append(domains, dom)
		for j := range 1 + rng.IntN(5) {
			created := start.Add(time.Duration(rng.Int64N(int64(span))))
			d := model.Deal{
				ID: fmt.Sprintf("D%06d", len(w.deals)), Name: fmt.Sprintf("Account %d deal %d", a, j),
				Account: fmt.Sprintf("Account %d", a), Domains: []string{dom},
				Owner: reps[rng.IntN(len(reps))], Status: model.DealOpen, Created: created,
			}
			if rng.IntN(10) < 4 {
				d.Closed = created.Add(time.Duration(30+rng.IntN(270)) * 24 * time.Hour)
				d.Status = model.DealLost
			}
			for k := range 2 {
				c := fmt.Sprintf("p%d.%d@%s", j, k, dom)
				if rng.IntN(20) == 0 {
					c = fmt.Sprintf("cust%d.%d@gmail.com", a, j)
				}
				d.Contacts = append(d.Contacts, c)
				contacts = append(contacts, c)
			}
			w.deals = append(w.deals, d)
		}
	}
	for i := range 300 {
		d := w.deals[rng.IntN(len(w.deals))]
		r := model.Rule{Kind: model.RuleDeal, DealID: d.ID}
		if i%3 == 0 {
			r.Domain = d.Domains[0]
		} else {
			r.Address = fmt.Sprintf("buyer%d@%s", i, d.Domains[0])
		}
		w.rules = append(w.rules, r)
	}
	for i := range 50 {
		w.rules = append(w.rules, model.Rule{Kind: model.RuleIgnore, Domain: fmt.Sprintf("spam%d.example", i)})
	}

	rep := func() string { return reps[rng.IntN(len(reps))] }
	p := func(email string, role model.Role) model.Participant {
		return model.Participant{Email: email, Role: role}
	}
	for range 1024 {
		in := Input{At: start.Add(time.Duration(rng.Int64N(int64(span)))), SeenBy: []string{rep()}}
		dom := domains[rng.IntN(len(domains))]
		switch k := rng.IntN(20); {
		case k < 7: // inbound from a known contact
			in.Participants = []model.Participant{p(contacts[rng.IntN(len(contacts))], model.RoleFrom), p(rep(), model.RoleTo)}
		case k < 11: // outbound to people at an account, a colleague in cc
			in.Participants = []model.Participant{p(rep(), model.RoleFrom), p("cto@"+dom, model.RoleTo),
				p("it@mail."+dom, model.RoleTo), p(rep(), model.RoleCc)}
		case k < 13: // free-mail stranger
			in.Participants = []model.Participant{p(fmt.Sprintf("someone%d@gmail.com", k), model.RoleFrom), p(rep(), model.RoleTo)}
		case k < 15: // unknown company
			in.Participants = []model.Participant{p("ceo@unknown-co.example", model.RoleFrom), p(rep(), model.RoleTo)}
		case k < 17: // internal
			in.Participants = []model.Participant{p(rep(), model.RoleFrom), p(rep(), model.RoleTo)}
		case k < 19: // a reply on a deal's thread, a third party joins
			d := w.deals[rng.IntN(len(w.deals))]
			in.ThreadDeal = d.ID
			in.Participants = []model.Participant{p("ceo@"+d.Domains[0], model.RoleFrom), p(d.Owner, model.RoleTo),
				p("counsel@lawfirm.example", model.RoleCc)}
		default: // a newsletter
			in.Participants = []model.Participant{p("digest@news.example", model.RoleFrom), p(rep(), model.RoleTo)}
		}
		w.inputs = append(w.inputs, in)
	}
	return w
}

func BenchmarkNew(b *testing.B) {
	w := newBenchWorld(10_000)
	b.ReportAllocs()
	for b.Loop() {
		New(w.cfg, w.deals, w.rules)
	}
}

func BenchmarkMatch(b *testing.B) {
	w := newBenchWorld(10_000)
	m := New(w.cfg, w.deals, w.rules)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Match(w.inputs[i%len(w.inputs)])
		i++
	}
}

// TestBenchWorld checks that the benchmark's mail reaches every state, so
// that its figures cover the whole of Match.
func TestBenchWorld(t *testing.T) {
	w := newBenchWorld(10_000)
	m := New(w.cfg, w.deals, w.rules)
	if len(m.deals) != len(w.deals) {
		t.Fatalf("indexed %d deals of %d", len(m.deals), len(w.deals))
	}
	states := map[model.LinkState]int{}
	methods := map[model.Method]int{}
	for _, in := range w.inputs {
		l := m.Match(in)
		states[l.State]++
		methods[l.Method]++
	}
	for _, s := range []model.LinkState{model.LinkAuto, model.LinkReview, model.LinkNone, model.LinkIgnored} {
		if states[s] == 0 {
			t.Errorf("no %s link in %v", s, states)
		}
	}
	for _, me := range []model.Method{model.MethodRule, model.MethodThread, model.MethodContact, model.MethodDomain} {
		if methods[me] == 0 {
			t.Errorf("no %s link in %v", me, methods)
		}
	}
	t.Logf("states %v, methods %v", states, methods)
}
