package match

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// source says where an ignore came from.
type source uint8

// Ignore sources; notIgnored is the zero value.
const (
	notIgnored source = iota
	fromConfig
	fromRule
)

// String is the source as a reason says it.
func (s source) String() string {
	switch s {
	case fromConfig:
		return "config"
	case fromRule:
		return "rule"
	}
	return ""
}

// deal is what matching needs of a model.Deal, computed once.
type deal struct {
	id        string
	name      string
	account   int32  // index into Matcher.accounts
	owner     string // lower-cased member address, "" when none
	ownerName string // for reasons
	created   time.Time
	closed    time.Time // zero while open
	liveFrom  time.Time // created - look-back
	liveTo    time.Time // closed + grace; meaningless while open
	open      bool      // closed is zero: no end
}

// account is a customer company: the deals that name it.
type account struct {
	name  string
	deals []int32 // indexes into Matcher.deals, in ID order
}

// addrEntry is what is known of one exact address.
type addrEntry struct {
	contacts []int32 // deals listing the address as a contact
	ignore   source  // where an ignore of the address came from
	rules    bool    // addrRules has rules on the address
}

// domEntry is what is known of one domain (it also covers subdomains).
type domEntry struct {
	ignore source  // where an ignore of the domain came from
	rules  []int32 // deals of RuleDeal rules on the domain
	accs   []int32 // accounts listing the domain
	site   string  // registrable domain, when accounts list the domain
	free   bool    // a free-mail domain
}

// Matcher holds the indexes built from the deals and rules. It never
// changes after New, so it is safe for concurrent use; build a new one
// when deals, rules or config change.
type Matcher struct {
	team     model.Team
	deals    []deal           // sorted by ID
	byID     map[string]int32 // deal ID -> index into deals
	accounts []account        // in order of their first deal's ID
	addrs    map[string]addrEntry
	// addrRules are the deals of RuleDeal rules by address: few, so
	// kept apart to keep addrs small.
	addrRules map[string][]int32
	doms      map[string]domEntry
}

// New builds a Matcher from the team's config, its deals and its rules.
// Deal IDs are expected to be unique (a repeated ID keeps one of its
// deals). Rules naming an unknown deal, and rules with neither address nor
// domain, are left out.
func New(cfg Config, deals []model.Deal, rules []model.Rule) *Matcher {
	m := &Matcher{
		team:      cfg.Team,
		byID:      make(map[string]int32, len(deals)),
		addrRules: map[string][]int32{},
		addrs:     make(map[string]addrEntry, 2*len(deals)),
		doms:      make(map[string]domEntry, len(deals)/2+len(builtinFreeMail)),
	}
	for _, d := range builtinFreeMail {
		m.doms[d] = domEntry{free: true}
	}
	for _, d := range cfg.FreeMailDomains {
		if d = normDomain(d); d != "" {
			e := m.doms[d]
			e.free = true
			m.doms[d] = e
		}
	}
	names := make(map[string]string, len(cfg.MemberNames))
	for addr, name := range cfg.MemberNames {
		names[normAddr(addr)] = name
	}
	m.indexDeals(deals, names, cfg.Lookback, cfg.Grace)
	m.indexRules(cfg, rules)
	return m
}

// indexDeals fills deals, byID, accounts, and the contacts and account
// domains of addrs and doms. Deals are sorted by ID first, so every index
// lists deals in ID order and nothing depends on the order deals came in.
func (m *Matcher) indexDeals(in []model.Deal, names map[string]string, lookback, grace time.Duration) {
	order := make([]int32, len(in))
	nContacts := 0
	for i := range order {
		order[i] = int32(i)
		nContacts += len(in[i].Contacts)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(in[a].ID, in[b].ID) })

	// One-element lists share arenas; a second element copies out, the
	// capacity being cut to the length.
	arena := make([]int32, 0, nContacts+len(in))
	one := func(v int32) []int32 {
		arena = append(arena, v)
		n := len(arena)
		return arena[n-1 : n : n]
	}
	accByName := make(map[string]int32, len(in)/2+1)
	var accDomains [][]string // normalised domains per account, once each
	m.deals = make([]deal, 0, len(in))
	prevID := ""
	for _, i := range order {
		src := &in[i]
		// Sorted, a repeated ID follows its first deal.
		if src.ID == "" || src.ID == prevID {
			continue
		}
		prevID = src.ID
		idx := int32(len(m.deals))
		// A deal without an account is its own company.
		name, key := strings.TrimSpace(src.Account), strings.TrimSpace(src.Account)
		if key == "" {
			name, key = src.Name, "\x00"+src.ID
		}
		acc, ok := accByName[key]
		if !ok {
			acc = int32(len(m.accounts))
			accByName[key] = acc
			m.accounts = append(m.accounts, account{name: name})
			accDomains = append(accDomains, nil)
		}
		owner := normAddr(src.Owner)
		ownerName := cmp.Or(names[owner], owner, "nobody")
		m.deals = append(m.deals, deal{
			id: src.ID, name: cmp.Or(src.Name, src.ID), account: acc,
			owner: owner, ownerName: ownerName,
			created: src.Created, closed: src.Closed,
			liveFrom: src.Created.Add(-lookback),
			liveTo:   src.Closed.Add(grace),
			open:     src.Closed.IsZero(),
		})
		m.byID[src.ID] = idx
		if len(m.accounts[acc].deals) == 0 {
			m.accounts[acc].deals = one(idx)
		} else {
			m.accounts[acc].deals = append(m.accounts[acc].deals, idx)
		}
		for _, d := range src.Domains {
			if d = normDomain(d); d != "" && !slices.Contains(accDomains[acc], d) {
				accDomains[acc] = append(accDomains[acc], d)
				e := m.doms[d]
				if e.accs == nil {
					e.accs, e.site = one(acc), site(d)
				} else {
					e.accs = addUniq(e.accs, acc)
				}
				m.doms[d] = e
			}
		}
		for _, c := range src.Contacts {
			if c = normAddr(c); c != "" {
				e := m.addrs[c]
				if e.contacts == nil {
					e.contacts = one(idx)
				} else {
					e.contacts = addUniq(e.contacts, idx)
				}
				m.addrs[c] = e
			}
		}
	}
}

// indexRules fills the rules and ignores of addrs and doms from the rules
// and the config.
func (m *Matcher) indexRules(cfg Config, rules []model.Rule) {
	ignoreAddr := func(a string, src source) {
		if e := m.addrs[a]; e.ignore == notIgnored {
			e.ignore = src
			m.addrs[a] = e
		}
	}
	ignoreDom := func(d string, src source) {
		if e := m.doms[d]; e.ignore == notIgnored {
			e.ignore = src
			m.doms[d] = e
		}
	}
	for _, a := range cfg.IgnoreAddresses {
		if a = normAddr(a); a != "" {
			ignoreAddr(a, fromConfig)
		}
	}
	for _, d := range cfg.IgnoreDomains {
		if d = normDomain(d); d != "" {
			ignoreDom(d, fromConfig)
		}
	}
	for _, r := range rules {
		addr, dom := normAddr(r.Address), normDomain(r.Domain)
		switch r.Kind {
		case model.RuleIgnore:
			if addr != "" {
				ignoreAddr(addr, fromRule)
			} else if dom != "" {
				ignoreDom(dom, fromRule)
			}
		case model.RuleDeal:
			idx, ok := m.byID[r.DealID]
			if !ok {
				continue
			}
			if addr != "" {
				m.addrRules[addr] = sortedInsert(m.addrRules[addr], idx)
				if e := m.addrs[addr]; !e.rules {
					e.rules = true
					m.addrs[addr] = e
				}
			} else if dom != "" {
				e := m.doms[dom]
				e.rules = sortedInsert(e.rules, idx)
				m.doms[dom] = e
			}
		}
	}
}

// sortedInsert inserts v into the sorted s unless s holds it already.
func sortedInsert(s []int32, v int32) []int32 {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(s, i, v)
}

// live reports whether deal d was live at t: from created minus the
// look-back to closed plus the grace, without end while open.
func (m *Matcher) live(d int32, t time.Time) bool {
	dl := &m.deals[d]
	return !t.Before(dl.liveFrom) && (dl.open || !t.After(dl.liveTo))
}

// addUniq appends v to s unless s holds it already.
func addUniq[T comparable](s []T, v T) []T {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// distance is how far the deal's creation lies from t, in seconds; the
// deal created closest to the activity ranks first among equals.
func (m *Matcher) distance(d int32, t time.Time) int64 {
	diff := m.deals[d].created.Unix() - t.Unix()
	if diff < 0 {
		return -diff
	}
	return diff
}

// compareRank orders ranked candidates best first: owner level, then
// creation closest to the activity, then deal ID.
func (m *Matcher) compareRank(a, b ranked) int {
	if c := cmp.Compare(b.level, a.level); c != 0 {
		return c
	}
	if c := cmp.Compare(a.dist, b.dist); c != 0 {
		return c
	}
	return cmp.Compare(a.deal, b.deal) // deals are in ID order
}
