package match

import (
	"slices"
	"strings"

	"github.com/dealtrail/dealtrail/internal/model"
)

// step is a deciding step of the matching order.
type step uint8

// Deciding steps with candidates (the thread step has its own path).
const (
	stepAddrRule step = iota
	stepDomainRule
	stepContact
	stepContactAcct
	stepDomain
)

// stepInfo is what a step puts on its links.
var stepInfo = [...]struct {
	method    model.Method
	conf      float64
	tieBroken float64
}{
	stepAddrRule:    {model.MethodRule, confAddrRule, confAddrRule - tieBroken},
	stepDomainRule:  {model.MethodRule, confDomainRule, confDomainRule - tieBroken},
	stepContact:     {model.MethodContact, confContact, confContact - tieBroken},
	stepContactAcct: {model.MethodContact, confContactAcct, confContactAcct - tieBroken},
	stepDomain:      {model.MethodDomain, confDomain, confDomain - tieBroken},
}

// Owner levels of step 9.
const (
	levelNone   int8 = 0 // the owner neither took part nor saw it
	levelSeen   int8 = 1 // only the owner's mailbox or calendar saw it
	levelOnMail int8 = 2 // the owner is a participant
)

// ranked is a candidate with what orders it.
type ranked struct {
	deal  int32
	level int8
	dist  int64
}

// rank orders cands best first (step 9) into buf.
func (m *Matcher) rank(in Input, cands []int32, buf []ranked) []ranked {
	for _, d := range cands {
		buf = append(buf, ranked{deal: d, level: m.level(in, d), dist: m.distance(d, in.At)})
	}
	slices.SortFunc(buf, m.compareRank)
	return buf
}

// level is the owner level of deal d for the activity.
func (m *Matcher) level(in Input, d int32) int8 {
	owner := m.deals[d].owner
	if owner == "" {
		return levelNone
	}
	for _, p := range in.Participants {
		if strings.EqualFold(strings.TrimSpace(p.Email), owner) {
			return levelOnMail
		}
	}
	for _, s := range in.SeenBy {
		if strings.EqualFold(strings.TrimSpace(s), owner) {
			return levelSeen
		}
	}
	return levelNone
}

// decide makes the link of a step that found candidates: auto for one,
// else the tie-break of step 9, else review.
func (m *Matcher) decide(in Input, st step, outs []outsider, cands []int32) model.Link {
	info := stepInfo[st]
	var buf [16]ranked
	r := m.rank(in, cands, buf[:0])
	var tb [256]byte
	b := newText(tb[:])
	b = m.head(b, st, outs, cands)
	best := &m.deals[r[0].deal]
	if len(r) == 1 {
		switch st {
		case stepContactAcct, stepDomain:
			b = b.s("; live deal ")
		default:
			b = b.s(" → ")
		}
		b = b.s(best.name)
		return model.Link{DealID: best.id, State: model.LinkAuto, Method: info.method,
			Confidence: info.conf, Reason: b.String()}
	}
	top := 1
	for top < len(r) && r[top].level == r[0].level {
		top++
	}
	b = m.tie(b, r, top)
	if top == 1 && r[0].level > levelNone {
		return model.Link{DealID: best.id, State: model.LinkAuto, Method: info.method,
			Confidence: info.tieBroken, Reason: b.String(), Candidates: m.ids(r[1:])}
	}
	return model.Link{State: model.LinkReview, Method: info.method, Reason: b.String(), Candidates: m.ids(r)}
}

// thread links the activity to the deal of the thread (step 5); the other
// deals its participants fit are the runner-ups.
func (m *Matcher) thread(in Input, outs []outsider, td int32, lists ...[]int32) model.Link {
	var cb [16]int32
	others := cb[:0]
	for _, l := range lists {
		for _, d := range l {
			if d != td {
				others = addUniq(others, d)
			}
		}
	}
	var tb [256]byte
	b := newText(tb[:])
	b = b.s("thread: reply to a message on ", m.deals[td].name)
	var jb [8]string
	joined := jb[:0]
	for i := range outs {
		if o := &outs[i]; len(o.contacts) == 0 && len(o.accs) == 0 {
			joined = append(joined, o.email)
		}
	}
	if len(joined) > 0 {
		b = b.s("; ")
		b = b.list(joined)
		b = b.s(" joined")
	}
	l := model.Link{DealID: m.deals[td].id, State: model.LinkAuto, Method: model.MethodThread,
		Confidence: confThread}
	if len(others) > 0 {
		var rb [16]ranked
		l.Candidates = m.ids(m.rank(in, others, rb[:0]))
	}
	l.Reason = b.String()
	return l
}

// ids returns the deal IDs of r, in order.
func (m *Matcher) ids(r []ranked) []string {
	out := make([]string, len(r))
	for i, c := range r {
		out[i] = m.deals[c.deal].id
	}
	return out
}

// head writes what led a step to its candidates: "domain acme.example →
// Acme", "contact jane@gmail.com", "rule for bob@acme.example".
func (m *Matcher) head(b text, st step, outs []outsider, cands []int32) text {
	var sb [8]string
	seen := sb[:0]
	start := len(b.b)
	for i := range outs {
		o := &outs[i]
		switch st {
		case stepAddrRule:
			if anyIn(o.addrRules, cands) {
				b = b.commaAfter(start)
				b = b.s("rule for ")
				b = b.s(o.email)
			}
		case stepDomainRule:
			if o.ruleDom != "" && !slices.Contains(seen, o.ruleDom) {
				seen = append(seen, o.ruleDom)
				b = b.commaAfter(start)
				b = b.s("rule for domain ")
				b = b.s(o.ruleDom)
			}
		case stepContact:
			if anyIn(o.contacts, cands) {
				b = b.commaAfter(start)
				b = b.s("contact ")
				b = b.s(o.email)
			}
		case stepContactAcct:
			if len(o.contacts) > 0 {
				b = b.commaAfter(start)
				b = b.s(o.email)
				b = b.s(" is a contact of ")
				b = m.writeAccounts(b, o.contacts, true)
				b = b.s(", on no live deal")
			}
		case stepDomain:
			if len(o.accs) > 0 && !slices.Contains(seen, o.domain) && m.accountsHaveAny(o.accs, cands) {
				seen = append(seen, o.domain)
				b = b.commaAfter(start)
				b = b.s("domain ")
				b = b.s(o.domain)
				b = b.s(" → ")
				b = m.writeAccounts(b, o.accs, false)
			}
		}
	}
	return b
}

// tie writes the tie-break of several ranked candidates, the first top of
// them sharing the best owner level.
func (m *Matcher) tie(b text, r []ranked, top int) text {
	level := r[0].level
	best := &m.deals[r[0].deal]
	b = b.s("; ")
	b = b.n(len(r))
	b = b.s(" live deals")
	sameOwner := best.owner != ""
	for _, c := range r[1:] {
		if m.deals[c.deal].owner != best.owner {
			sameOwner = false
		}
	}
	switch {
	case top == 1 && level == levelOnMail:
		b = b.s("; owner ", best.ownerName, " was on the thread (", best.name, ")")
	case top == 1 && level == levelSeen:
		b = b.s("; only owner ", best.ownerName, "'s mailbox saw it (", best.name, ")")
	case sameOwner:
		if len(r) == 2 {
			b = b.s(", both owned by ")
		} else {
			b = b.s(", all ")
			b = b.n(len(r))
			b = b.s(" owned by ")
		}
		b = b.s(best.ownerName)
		switch level {
		case levelOnMail:
			b = b.s(", who was on the thread")
		case levelSeen:
			b = b.s(", whose mailbox saw it")
		}
	case level == levelNone:
		b = b.s("; no owner took part")
	default:
		var nb [8]string
		names := nb[:0]
		for _, c := range r[:top] {
			names = addUniq(names, m.deals[c.deal].ownerName)
		}
		switch {
		case len(names) == 1 && level == levelOnMail:
			b = b.s("; owner ", names[0], " was on the thread but owns ")
			b = b.n(top)
			b = b.s(" of them")
		case len(names) == 1:
			b = b.s("; only owner ", names[0], "'s mailbox saw it, and ", names[0], " owns ")
			b = b.n(top)
			b = b.s(" of them")
		case level == levelOnMail:
			b = b.s("; owners ")
			b = b.list(names)
			if len(names) == 2 {
				b = b.s(" were both on the thread")
			} else {
				b = b.s(" were all on the thread")
			}
		default:
			b = b.s("; the mailboxes of owners ")
			b = b.list(names)
			b = b.s(" saw it")
		}
	}
	return b
}

// writeAccounts writes the names of accounts: of the deals ds when
// ofDeals, else of the account indexes ds.
func (m *Matcher) writeAccounts(b text, ds []int32, ofDeals bool) text {
	var ab [8]int32
	accs := ab[:0]
	for _, d := range ds {
		if ofDeals {
			d = m.deals[d].account
		}
		accs = addUniq(accs, d)
	}
	for i, a := range accs {
		if i > 0 {
			b = b.s(", ")
		}
		b = b.s(m.accounts[a].name)
	}
	return b
}

// accountsHaveAny reports whether one of cands is a deal of the accounts.
func (m *Matcher) accountsHaveAny(accs, cands []int32) bool {
	for _, d := range cands {
		if slices.Contains(accs, m.deals[d].account) {
			return true
		}
	}
	return false
}

// anyIn reports whether a and b share an element.
func anyIn(a, b []int32) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
