package match

import (
	"slices"
	"time"
)

// deadShown is how many dead deals a reason names before "and N more".
const deadShown = 3

// ignoredReason says which ignores applied, e.g. "ignored:
// newsletter.example is ignored (config)".
func ignoredReason(ign []ignoreNote) string {
	var tb [128]byte
	b := newText(tb[:])
	b = b.s("ignored: ")
	b = writeIgnores(b, ign)
	return b.String()
}

// writeIgnores writes "x is ignored (config); y is ignored (rule)".
func writeIgnores(b text, ign []ignoreNote) text {
	for i, n := range ign {
		if i > 0 {
			b = b.s("; ")
		}
		b = b.s(n.what, " is ignored (", n.source.String(), ")")
	}
	return b
}

// noneReason says, participant by participant, why no deal fits: "no
// account for initech.example; gmail.com is free mail and
// stranger@gmail.com is no contact", naming the deals that fitted but were
// not live at the activity's time.
func (m *Matcher) noneReason(in Input, outs []outsider, ign []ignoreNote) string {
	var tb [512]byte
	var pb [16][2]int
	b := newText(tb[:])
	b.phrases = pb[:0]
	t := in.At
	b = m.writeDeadRules(b, outs, t)
	if td, ok := m.byID[in.ThreadDeal]; ok && in.ThreadDeal != "" {
		p := len(b.b)
		b = b.sep()
		b = b.s("thread: reply to a message on ", m.deals[td].name, ", ")
		var dp deadPick
		m.pickDead(&dp, t, []int32{td})
		b = m.writeDead(b, t, &dp)
		b = b.end(p)
	}
	for i := range outs {
		o := &outs[i]
		p := len(b.b)
		b = b.sep()
		switch {
		case len(o.contacts) > 0:
			b = b.s(o.email, " is a contact of ")
			b = m.writeAccounts(b, o.contacts, true)
			b = b.s("; ")
			var dp deadPick
			m.pickAccounts(&dp, t, o.contacts, true)
			b = m.writeDead(b, t, &dp)
		case o.domain == "":
			b = b.s(o.email, " has no domain")
		case o.free:
			b = b.s(o.domain, " is free mail and ", o.email, " is no contact")
		case len(o.accs) > 0:
			b = b.s("domain ", o.domain, " → ")
			b = m.writeAccounts(b, o.accs, false)
			b = b.s("; ")
			var dp deadPick
			m.pickAccounts(&dp, t, o.accs, false)
			b = m.writeDead(b, t, &dp)
		case site(o.domain) == "":
			b = b.s(o.domain, " is no registrable domain and ", o.email, " is no contact")
		default:
			b = b.s("no account for ", o.domain)
		}
		b = b.end(p)
	}
	if len(ign) > 0 {
		b = b.sep()
		b = writeIgnores(b, ign)
	}
	return b.String()
}

// deadRules names the rules that covered participants but were not used,
// none of their deals being live at t: "rule for procurement@acme.example
// → no deal live on 2026-03-02 (Umbrella Pilot closed 2025-11-30)".
func (m *Matcher) deadRules(outs []outsider, t time.Time) string {
	var tb [256]byte
	var pb [8][2]int
	b := newText(tb[:])
	b.phrases = pb[:0]
	b = m.writeDeadRules(b, outs, t)
	return b.String()
}

// writeDeadRules writes the phrases of deadRules.
func (m *Matcher) writeDeadRules(b text, outs []outsider, t time.Time) text {
	for i := range outs {
		o := &outs[i]
		if len(o.addrRules) > 0 {
			p := len(b.b)
			b = b.sep()
			b = b.s("rule for ", o.email, " → ")
			var dp deadPick
			m.pickDead(&dp, t, o.addrRules)
			b = m.writeDead(b, t, &dp)
			b = b.end(p)
		}
		for d := o.domain; o.domRules && d != ""; d = parent(d) {
			if ds := m.doms[d].rules; ds != nil {
				p := len(b.b)
				b = b.sep()
				b = b.s("rule for domain ", d, " → ")
				var dp deadPick
				m.pickDead(&dp, t, ds)
				b = m.writeDead(b, t, &dp)
				b = b.end(p)
				break
			}
		}
	}
	return b
}

// dead is a deal that was not live, and how far its end (or start) lay
// from the activity.
type dead struct {
	d    int32
	dist int64
}

// deadPick keeps the deadShown dead deals closest to the activity, by the
// date that put them out, then by ID, without sorting the whole list.
type deadPick struct {
	shown [deadShown]dead
	n     int // deals in shown
	total int // deals seen
}

// pickDead offers the deals ds, dead at t.
func (m *Matcher) pickDead(p *deadPick, t time.Time, ds []int32) {
	less := func(a, b dead) bool {
		return a.dist < b.dist || a.dist == b.dist && a.d < b.d // deals are in ID order
	}
	for _, d := range ds {
		p.total++
		x := dead{d, m.deals[d].created.Unix() - t.Unix()}
		if m.closedBefore(d, t) {
			x.dist = t.Unix() - m.deals[d].closed.Unix()
		}
		if p.n < deadShown {
			p.n++
		} else if !less(x, p.shown[p.n-1]) {
			continue
		}
		i := p.n - 1
		for ; i > 0 && less(x, p.shown[i-1]); i-- {
			p.shown[i] = p.shown[i-1]
		}
		p.shown[i] = x
	}
}

// pickAccounts offers every deal of the accounts: of the deals ds when
// ofDeals, else of the account indexes ds.
func (m *Matcher) pickAccounts(p *deadPick, t time.Time, ds []int32, ofDeals bool) {
	var ab [8]int32
	accs := ab[:0]
	for _, d := range ds {
		a := d
		if ofDeals {
			a = m.deals[d].account
		}
		if !slices.Contains(accs, a) {
			accs = append(accs, a)
			m.pickDead(p, t, m.accounts[a].deals)
		}
	}
}

// writeDead says that none of the deals picked was live at t and names
// the closest: "no deal live on 2026-03-02 (Acme Platform closed
// 2025-11-30)".
func (m *Matcher) writeDead(b text, t time.Time, p *deadPick) text {
	b = b.s("no deal live on ")
	b = b.date(t)
	b = b.s(" (")
	for i, x := range p.shown[:p.n] {
		if i > 0 {
			b = b.s(", ")
		}
		dl := &m.deals[x.d]
		b = b.s(dl.name)
		if m.closedBefore(x.d, t) {
			b = b.s(" closed ")
			b = b.date(dl.closed)
		} else {
			b = b.s(" created ")
			b = b.date(dl.created)
		}
	}
	if p.total > p.n {
		b = b.s(" and ")
		b = b.n(p.total - p.n)
		b = b.s(" more")
	}
	return b.s(")")
}

// closedBefore reports whether deal d was dead at t because it had closed
// (rather than not yet begun).
func (m *Matcher) closedBefore(d int32, t time.Time) bool {
	dl := &m.deals[d]
	return !dl.open && t.After(dl.liveTo)
}
