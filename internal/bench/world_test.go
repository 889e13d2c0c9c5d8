package bench

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/model"
)

// The matching benchmarks run over a generated world: a team's CRM and the
// mail its reps exchanged over two years, as the store would hold it after
// syncing every mailbox. This file generates the CRM, worldmail_test.go
// the mail, and worldstore_test.go writes both through the store's API.

// worldSpec sizes a generated world. The same spec always gives the same
// world.
type worldSpec struct {
	seed uint64
	// reps is the team: rep01@ourco.example and on, one mailbox each.
	reps int
	// accounts own the deals' domains; deals are spread over them, busy
	// accounts having more.
	accounts, deals int
	// activities is the number of stored emails (internal-only mail is
	// never stored, so every one has an outside participant).
	activities int
	// reserves are companies that wrote to the team but have no deal
	// yet: each becomes the new deal of one AddOneDeal round. Each has
	// reserveMin to reserveMax messages.
	reserves               int
	reserveMin, reserveMax int
	// prospects are companies that are not in the CRM at all.
	prospects int
	// end is the date of the newest thread; threads start over span
	// before it.
	end  time.Time
	span time.Duration
	// batch is how many activities one SaveFolderBatch carries.
	batch int
}

// millionSpec is the world of the matching benchmarks: 10,000 deals over
// 4,000 accounts, 25 reps, 1,000,000 emails over two years.
func millionSpec() worldSpec {
	return worldSpec{
		seed: 1_000_000, reps: 25, accounts: 4000, deals: 10_000, activities: 1_000_000,
		reserves: 64, reserveMin: 100, reserveMax: 300, prospects: 20_000,
		end: time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC), span: 2 * 365 * 24 * time.Hour,
		batch: 5000,
	}
}

// smallSpec is millionSpec scaled down for the tests that check, in a
// normal test run, what the benchmarks rely on.
func smallSpec() worldSpec {
	spec := millionSpec()
	spec.reps, spec.accounts, spec.deals, spec.activities = 6, 60, 150, 6000
	spec.reserves, spec.reserveMin, spec.reserveMax, spec.prospects, spec.batch = 4, 30, 60, 200, 500
	return spec
}

// account is a customer in the CRM.
type account struct {
	name string
	// domains are listed on its deals; mail comes from those and from
	// some subdomains of them.
	domains, mail []string
	people        []person
	owner         int   // index of the rep who usually handles it
	deals         []int // indexes into world.deals, oldest first
}

// reserve is a company with mail but no deal yet, and what adding its
// deal must re-match.
type reserve struct {
	deal   model.Deal
	mail   []string
	people []person
	owner  int
	budget int // messages still to plan
	// direct counts its messages with a participant at its domain (or a
	// subdomain): those an import of its deal queues. mates counts the
	// other messages of its threads, written by its people from free
	// mail: matching the direct ones pulls them in.
	direct, mates int
}

// world is a generated CRM, its team and the mail to store.
type world struct {
	spec      worldSpec
	rng       *rand.Rand
	reps      []person
	accounts  []*account
	weights   []float64 // cumulative share of account mail
	deals     []model.Deal
	free      []person // deal contacts on free mail
	prospects []string
	reserves  []*reserve
	byName    map[string]*account
	live      map[int][]int // deals live in each month (see month)
	plan      []plannedThread
	kinds     [kindCount]int // messages of each kind
	// digest hashes the mail yielded so far, so that a world kept on
	// disk can be told from one a changed generator would make.
	digest hash.Hash64
}

const teamDomain = "ourco.example"

var (
	freeDomains     = []string{"gmail.com", "outlook.com", "yahoo.com", "hotmail.co.uk", "gmx.de", "icloud.com"}
	mailSubdomains  = []string{"mail", "eu", "us", "corp"}
	divisionLabels  = []string{"research", "labs", "emea", "apac", "retail", "health"}
	newsletterFroms = []string{"digest@news.example", "updates@news.example", "webinar@events.mailer.example"}
)

// newWorld generates the CRM and plans the threads of spec.
func newWorld(spec worldSpec) *world {
	w := &world{spec: spec, rng: rand.New(rand.NewPCG(spec.seed, spec.seed^0x9e3779b97f4a7c15)), digest: fnv.New64a()}
	w.reps = teamOf(spec.reps, teamDomain)
	used := map[string]bool{}
	w.byName = map[string]*account{}
	for i := range spec.accounts {
		a := w.newAccount(i, used)
		w.accounts = append(w.accounts, a)
		w.byName[a.name] = a
	}
	// A few busy accounts and a long tail, in no particular order.
	total := 0.0
	for _, r := range w.rng.Perm(spec.accounts) {
		total += 1 / float64(r+10)
		w.weights = append(w.weights, total)
	}
	for i := range w.weights {
		w.weights[i] /= total
	}
	w.newDeals()
	for i := range spec.prospects {
		w.prospects = append(w.prospects, w.domain(companyName(spec.accounts+i), i))
	}
	for i := range spec.reserves {
		w.reserves = append(w.reserves, w.newReserve(i))
	}
	w.planThreads()
	return w
}

// slug turns a company name into a domain label.
func slug(name string) string {
	return strings.ToLower(strings.NewReplacer(" ", "-", "&", "and").Replace(asciiFold(name)))
}

// domain returns the mail domain of a company: mostly .example, a tenth
// under co.uk and a few under com.au, so that two-level public suffixes
// are part of the world.
func (w *world) domain(company string, i int) string {
	switch i % 25 {
	case 3, 8, 13:
		return slug(company) + ".co.uk"
	case 21:
		return slug(company) + ".com.au"
	default:
		return slug(company) + ".example"
	}
}

// newAccount makes customer i: one to three domains, sometimes a
// division under another account's domain, sometimes mail from
// subdomains, and two to eight people.
func (w *world) newAccount(i int, used map[string]bool) *account {
	name := companyName(i)
	a := &account{name: name, owner: w.rng.IntN(len(w.reps))}
	primary := w.domain(name, i)
	if i > 50 && w.rng.IntN(33) == 0 {
		// A division: its own account under another account's domain.
		parent := w.accounts[w.rng.IntN(i)].domains[0]
		if d := divisionLabels[w.rng.IntN(len(divisionLabels))] + "." + parent; !used[d] {
			primary = d
		}
	}
	a.domains = []string{primary}
	switch r := w.rng.IntN(100); {
	case r < 8:
		a.domains = append(a.domains, slug(name)+"-group.example", slug(name)+".de")
	case r < 30:
		a.domains = append(a.domains, slug(name)+"-group.example")
	}
	for _, d := range a.domains {
		used[d] = true
	}
	a.mail = append(a.mail, a.domains...)
	if w.rng.IntN(100) < 15 {
		a.mail = append(a.mail, mailSubdomains[w.rng.IntN(len(mailSubdomains))]+"."+primary)
	}
	for range 2 + w.rng.IntN(7) {
		a.people = append(a.people, w.personAt(a.mail[w.rng.IntN(len(a.mail))]))
	}
	return a
}

// personAt invents a person at domain.
func (w *world) personAt(domain string) person {
	first := firstNames[w.rng.IntN(len(firstNames))]
	last := lastNames[w.rng.IntN(len(lastNames))]
	local := strings.ToLower(strings.NewReplacer("'", "", " ", "").Replace(asciiFold(first) + "." + asciiFold(last)))
	return person{name: first + " " + last, email: local + "@" + domain}
}

// stranger invents somebody on free mail; n keeps the address unique.
func (w *world) stranger(n int) person {
	p := w.personAt(freeDomains[w.rng.IntN(len(freeDomains))])
	at := strings.IndexByte(p.email, '@')
	p.email = fmt.Sprintf("%s.%d%s", p.email[:at], n, p.email[at:])
	return p
}

// newDeals spreads the deals over the accounts (each has one, busy ones
// more) and gives each a life: created over the two years and the year
// before, most closed (won or lost) 30 to 300 days later.
func (w *world) newDeals() {
	start := w.spec.end.Add(-w.spec.span)
	for i := range w.spec.deals {
		ai := i
		if i >= len(w.accounts) {
			// Busy accounts have more deals, but not all of them.
			ai = w.rng.IntN(len(w.accounts))
			if w.rng.IntN(2) == 0 {
				ai = w.pickAccount()
			}
		}
		a := w.accounts[ai]
		created := start.Add(-365*24*time.Hour + time.Duration(w.rng.Int64N(int64(w.spec.span+335*24*time.Hour))))
		created = created.Truncate(24 * time.Hour)
		owner := a.owner
		if w.rng.IntN(5) == 0 {
			owner = w.rng.IntN(len(w.reps))
		}
		d := model.Deal{
			ID: fmt.Sprintf("D%05d", i+1), Name: a.name + " " + products[w.rng.IntN(len(products))],
			Account: a.name, Domains: a.domains, Owner: w.reps[owner].email,
			Stage: stages[w.rng.IntN(len(stages))], Status: model.DealOpen,
			Amount: float64(1000 * (5 + w.rng.IntN(500))), Created: created,
		}
		if closed := created.Add(time.Duration(30+w.rng.IntN(270)) * 24 * time.Hour); w.rng.IntN(100) < 75 && closed.Before(w.spec.end) {
			d.Closed, d.Status = closed, model.DealLost
			if w.rng.IntN(3) == 0 {
				d.Status = model.DealWon
			}
			d.Stage = "closed"
		}
		for _, k := range w.rng.Perm(len(a.people))[:1+w.rng.IntN(min(3, len(a.people)))] {
			d.Contacts = append(d.Contacts, a.people[k].email)
		}
		if w.rng.IntN(20) == 0 {
			// The buyer writes from a personal address, listed as a
			// contact: it matches by the exact address only.
			p := w.stranger(500_000 + len(w.free))
			a.people = append(a.people, p)
			w.free = append(w.free, p)
			d.Contacts = append(d.Contacts, p.email)
		}
		a.deals = append(a.deals, len(w.deals))
		w.deals = append(w.deals, d)
	}
	for _, a := range w.accounts {
		slices.SortStableFunc(a.deals, func(x, y int) int { return w.deals[x].Created.Compare(w.deals[y].Created) })
	}
	w.live = map[int][]int{}
	for i, d := range w.deals {
		end := d.Closed
		if end.IsZero() {
			end = w.spec.end
		}
		for m := w.month(d.Created); m <= w.month(end); m++ {
			w.live[m] = append(w.live[m], i)
		}
	}
}

// month numbers the 30-day period of t, counted from the span's start.
func (w *world) month(t time.Time) int {
	return int(t.Sub(w.spec.end.Add(-w.spec.span)) / (30 * 24 * time.Hour))
}

// currentDeal returns the deal of account a that its people talk about at
// t: the newest one entered by then (or a month later), else the first.
func (w *world) currentDeal(a *account, t time.Time) model.Deal {
	cur := a.deals[0]
	for _, d := range a.deals {
		if w.deals[d].Created.Add(-30 * 24 * time.Hour).After(t) {
			break
		}
		cur = d
	}
	return w.deals[cur]
}

// newReserve makes reserve company i, with its deal (imported only by the
// benchmark) open since before the first message, so that all its mail
// lands on it.
func (w *world) newReserve(i int) *reserve {
	name := companyName(w.spec.accounts + w.spec.prospects + i)
	domain := w.domain(name, i)
	r := &reserve{mail: []string{domain}, owner: w.rng.IntN(len(w.reps)),
		budget: w.spec.reserveMin + w.rng.IntN(w.spec.reserveMax-w.spec.reserveMin+1)}
	if i%3 == 0 {
		r.mail = append(r.mail, mailSubdomains[w.rng.IntN(len(mailSubdomains))]+"."+domain)
	}
	for range 2 + w.rng.IntN(4) {
		r.people = append(r.people, w.personAt(r.mail[w.rng.IntN(len(r.mail))]))
	}
	r.deal = model.Deal{
		ID: fmt.Sprintf("N%03d", i+1), Name: name + " Platform", Account: name, Domains: []string{domain},
		Contacts: []string{r.people[0].email}, Owner: w.reps[r.owner].email, Stage: "discovery",
		Status: model.DealOpen, Amount: 50_000, Created: w.spec.end.Add(-w.spec.span - 90*24*time.Hour),
	}
	return r
}

// pickAccount chooses an account by its share of mail.
func (w *world) pickAccount() int {
	return pickWeighted(w.weights, w.rng.Float64())
}

// config is the team's dealtrail configuration: the reps, one mailbox
// each named after its owner's local part, and the default matching with
// a newsletter domain ignored. The benchmarks derive the matcher's
// configuration and the owners map from it as the binary does.
func (w *world) config() *config.Config {
	cfg := &config.Config{
		Team:     config.Team{Domains: []string{teamDomain}},
		Matching: config.DefaultMatching(),
	}
	cfg.Matching.Ignore.Domains = []string{"news.example", "mailer.example"}
	for _, r := range w.reps {
		cfg.Team.Members = append(cfg.Team.Members, config.Member{Email: r.email, Name: r.name, Role: config.RoleRep})
		cfg.Mailboxes = append(cfg.Mailboxes, config.Mailbox{Name: mailboxOf(r.email), Owner: r.email})
	}
	return cfg
}

// mailboxOf names a rep's mailbox: the local part of the address.
func mailboxOf(email string) string { return email[:strings.IndexByte(email, '@')] }
