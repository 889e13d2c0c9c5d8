// Package match decides which deal an activity (an email, a meeting)
// belongs to. It is pure and deterministic: no database, no network, no
// clock; the activity's time comes in the Input, the deals and rules come
// in New, and the same input always gives the same model.Link, whatever
// the order the deals were given in.
//
// Matching follows DESIGN.md, "Matching, in order". The caller handles
// step 1 (human decisions) and private marks; Match does the rest, the
// first decisive step winning:
//
//  2. ignore: outside participants on an ignore list (config, or an
//     "ignore" rule; a domain covers its subdomains) are dropped from
//     every later step; when all were, the link is ignored.
//  3. internal only: nobody from outside took part; no link.
//  4. rules: the address rules on outside participants, else for each
//     participant the most specific domain rule with a live deal.
//  5. thread: the deal of the message replied to, when live, unless the
//     participants point elsewhere: their candidates of steps 6 and 7
//     (all of them, contact and domain alike) exist and exclude it. When
//     the participants alone link the activity to that same deal, their
//     link stands, so the result does not depend on whether the thread's
//     first message was matched before the reply.
//  6. contact: live deals listing an outside participant's exact
//     address; when such deals exist but none is live, the live deals of
//     their accounts.
//  7. domain: the account listing the participant's domain or a parent of
//     it up to its registrable domain (never above, so two companies under
//     co.uk never meet); free-mail domains never match by domain.
//  8. liveness: a candidate must be live at the activity's time, from
//     Created-Lookback to Closed+Grace (no end while Closed is zero).
//     Rules to dead deals are passed over as if absent.
//  9. tie-break: among several candidates, the one deal whose owner took
//     part (level 2) or, failing that, whose owner's mailbox saw it
//     (level 1); otherwise review, with every candidate best first (owner
//     level, then created closest to the activity, then ID).
//
// An account is the set of deals with one Account name (a deal without
// one is an account of its own); its domains are those its deals list.
// A review link carries the Method of the step that found the candidates.
// A thread link's Candidates are the other deals its participants fit.
//
// Confidence levels (fixed, so that the UI can sort and threshold them):
//
//	address rule              0.98   (0.88 when the owner broke a tie)
//	domain rule               0.95   (0.85)
//	contact                   0.95   (0.85)
//	thread                    0.90
//	contact via its account   0.90   (0.80)
//	domain                    0.85   (0.75)
//	review, none, ignored     0
//
// Every link carries its reason in words, e.g. "domain initech.example →
// Initech; 2 live deals; owner Bob Rep was on the thread (Initech
// Expansion)"; a none link says why for each participant, naming the deals
// that fitted but were not live.
package match

import (
	"slices"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// Config says how the team matches.
type Config struct {
	// Team tells the team's own addresses (internal) from outsiders.
	Team model.Team
	// MemberNames maps a member's address to the display name used in
	// reasons ("owner Bob Rep was on the thread"); the address stands in
	// for a member without a name.
	MemberNames map[string]string
	// Lookback makes a deal live from Created-Lookback, so that the first
	// emails before a deal was entered in the CRM are linked to it.
	Lookback time.Duration
	// Grace keeps a closed deal live until Closed+Grace.
	Grace time.Duration
	// FreeMailDomains are added to the built-in free-mail list.
	FreeMailDomains []string
	// IgnoreDomains and IgnoreAddresses keep participants out of
	// matching; a domain covers its subdomains.
	IgnoreDomains   []string
	IgnoreAddresses []string
}

// Input is what the matcher needs to know about one activity.
type Input struct {
	// At is the activity's time (the Date of a message, the start of a
	// meeting).
	At time.Time
	// Participants is everybody on it, team members included.
	Participants []model.Participant
	// SeenBy lists the team members whose mailbox or calendar holds it.
	SeenBy []string
	// ThreadDeal is the deal of the message it replies to, found by the
	// caller through In-Reply-To and References; "" if none.
	ThreadDeal string
}

// Confidence levels; see the package doc.
const (
	confAddrRule    = 0.98
	confDomainRule  = 0.95
	confContact     = 0.95
	confThread      = 0.90
	confContactAcct = 0.90
	confDomain      = 0.85
	// tieBroken is taken off a step's confidence when the owner had to
	// choose among several candidates.
	tieBroken = 0.10
)

// outsider is an outside, not ignored participant of the activity.
type outsider struct {
	email     string
	domain    string  // "" when the address has no '@'
	free      bool    // on a free-mail domain
	addrRules []int32 // deals of rules on the exact address
	domRules  bool    // some domain rule covers the domain
	contacts  []int32 // deals listing the exact address
	// hit is the domain some account lists (domain or a parent of it up
	// to site), "" when none or free mail; accs are those accounts.
	hit  string
	accs []int32
	// ruleDom is the domain rule that gave candidates, if any.
	ruleDom string
}

// ignoreNote is one ignore that applied, for the reason.
type ignoreNote struct {
	what   string
	source source
}

// Match decides the link of one activity. It never returns a human state
// (confirmed, rejected, private): the caller keeps those and never asks.
func (m *Matcher) Match(in Input) model.Link {
	var outBuf [8]outsider
	var ignBuf [4]ignoreNote
	outs, ign, anyOutside := m.outsiders(in, outBuf[:0], ignBuf[:0])
	switch {
	case !anyOutside:
		return model.Link{State: model.LinkNone, Reason: "internal only"}
	case len(outs) == 0:
		return model.Link{State: model.LinkIgnored, Reason: ignoredReason(ign)}
	}
	at := in.At

	// Step 4: rules, address before domain.
	var candBuf [16]int32
	cands := candBuf[:0]
	deadRules := false // rules covered a participant, none of them live
	for i := range outs {
		for _, d := range outs[i].addrRules {
			deadRules = true
			if m.live(d, at) {
				cands = addUniq(cands, d)
			}
		}
	}
	if len(cands) > 0 {
		return m.decide(in, stepAddrRule, outs, cands)
	}
	for i := range outs {
		if !outs[i].domRules {
			continue
		}
		deadRules = true
		if key, ds := m.domainRule(outs[i].domain, at); key != "" {
			outs[i].ruleDom = key
			cands = append(cands, ds...)
		}
	}
	if len(cands) > 0 {
		cands = m.liveOnly(cands, at)
		return m.decide(in, stepDomainRule, outs, cands)
	}

	// Step 6 before 5, so that step 5 can tell whether the participants
	// point elsewhere; without a thread, a live contact decides at once.
	var contactBuf [16]int32
	contact := contactBuf[:0]
	for i := range outs {
		for _, d := range outs[i].contacts {
			if m.live(d, at) {
				contact = addUniq(contact, d)
			}
		}
	}
	td, threadOK := m.byID[in.ThreadDeal]
	threadOK = threadOK && in.ThreadDeal != "" && m.live(td, at)
	if len(contact) > 0 && !threadOK {
		return m.withRules(m.decide(in, stepContact, outs, contact), deadRules, outs, at)
	}
	var acctBuf, domBuf [16]int32
	viaAcct, domain := acctBuf[:0], domBuf[:0]
	for i := range outs {
		o := &outs[i]
		for _, d := range o.contacts {
			for _, ad := range m.accounts[m.deals[d].account].deals {
				if m.live(ad, at) {
					viaAcct = addUniq(viaAcct, ad)
				}
			}
		}
		for _, a := range o.accs {
			for _, d := range m.accounts[a].deals {
				if m.live(d, at) {
					domain = addUniq(domain, d)
				}
			}
		}
	}

	// Steps 6 and 7.
	var l model.Link
	switch {
	case len(contact) > 0:
		l = m.decide(in, stepContact, outs, contact)
	case len(viaAcct) > 0:
		l = m.decide(in, stepContactAcct, outs, viaAcct)
	case len(domain) > 0:
		l = m.decide(in, stepDomain, outs, domain)
	default:
		l = model.Link{State: model.LinkNone, Reason: m.noneReason(in, outs, ign)}
	}

	// Step 5: thread. When the participants alone put the activity on the
	// thread's deal, their link stands, so the result does not depend on
	// whether the thread's first message was matched before this one.
	if threadOK && (l.State != model.LinkAuto || l.DealID != m.deals[td].id) {
		if len(contact) == 0 && len(viaAcct) == 0 && len(domain) == 0 ||
			slices.Contains(contact, td) || slices.Contains(viaAcct, td) || slices.Contains(domain, td) {
			return m.withRules(m.thread(in, outs, td, contact, viaAcct, domain), deadRules, outs, at)
		}
		l.Reason += "; thread on " + m.deals[td].name + " not followed: the participants point elsewhere"
	}
	if l.State == model.LinkNone {
		return l
	}
	return m.withRules(l, deadRules, outs, at)
}

// withRules adds to the reason the rules that covered participants but
// were not used, their deals not being live.
func (m *Matcher) withRules(l model.Link, deadRules bool, outs []outsider, at time.Time) model.Link {
	if deadRules {
		l.Reason += "; " + m.deadRules(outs, at)
	}
	return l
}

// outsiders collects the outside participants, once each, leaving out
// and noting the ignored ones. anyOutside tells whether there was any
// outside participant at all, ignored or not.
func (m *Matcher) outsiders(in Input, outs []outsider, ign []ignoreNote) ([]outsider, []ignoreNote, bool) {
	anyOutside := false
	for _, p := range in.Participants {
		email := normAddr(p.Email)
		if email == "" || m.team.IsInternal(email) {
			continue
		}
		anyOutside = true
		if slices.ContainsFunc(outs, func(o outsider) bool { return o.email == email }) {
			continue
		}
		o, note := m.outsider(email)
		if note.what != "" {
			if !slices.Contains(ign, note) {
				ign = append(ign, note)
			}
			continue
		}
		outs = append(outs, o)
	}
	return outs, ign, anyOutside
}

// outsider looks an outside address up: once in the addresses, once per
// label of its domain. A non-empty note says the address is ignored.
func (m *Matcher) outsider(email string) (outsider, ignoreNote) {
	o := outsider{email: email}
	ae := m.addrs[email]
	if ae.ignore != notIgnored {
		return o, ignoreNote{email, ae.ignore}
	}
	o.contacts = ae.contacts
	if ae.rules {
		o.addrRules = m.addrRules[email]
	}
	if !strings.Contains(email, "@") {
		return o, ignoreNote{}
	}
	o.domain = domainPart(email)
	freeAt, hitSite := "", ""
	for d := o.domain; d != ""; d = parent(d) {
		de, ok := m.doms[d]
		if !ok {
			continue
		}
		if de.ignore != notIgnored {
			return o, ignoreNote{d, de.ignore}
		}
		o.domRules = o.domRules || de.rules != nil
		if de.accs != nil && o.hit == "" {
			o.hit, o.accs, hitSite = d, de.accs, de.site
		}
		if de.free && freeAt == "" {
			freeAt = d
		}
	}
	// Never above the registrable domain: under co.uk two companies never
	// meet, and an address without a registrable domain matches nothing.
	// The public suffix list is consulted only when a parent domain hit.
	if freeAt != "" && freeAt != o.domain || o.hit != "" && o.hit != o.domain {
		s := site(o.domain)
		o.free = freeAt != "" && len(freeAt) >= len(s)
		if s == "" || len(o.hit) < len(s) {
			o.hit, o.accs = "", nil
		}
	} else {
		o.free = freeAt != ""
		if o.hit != "" && hitSite == "" {
			o.hit, o.accs = "", nil
		}
	}
	if o.free {
		o.hit, o.accs = "", nil
	}
	return o, ignoreNote{}
}

// domainRule returns the most specific domain rule covering domain that
// has a live deal at t, and its deals (live or not); "" when none.
func (m *Matcher) domainRule(domain string, t time.Time) (string, []int32) {
	for d := domain; d != ""; d = parent(d) {
		ds := m.doms[d].rules
		for _, id := range ds {
			if m.live(id, t) {
				return d, ds
			}
		}
	}
	return "", nil
}

// liveOnly keeps the live deals of cands, once each, in place.
func (m *Matcher) liveOnly(cands []int32, t time.Time) []int32 {
	out := cands[:0]
	for _, d := range cands {
		if m.live(d, t) && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// RuleTargets says what an "always" rule made from this activity could
// cover: its main outside address (From when inbound, else the first
// outside To, then Cc, then any other outside participant) and that
// address's registrable domain, "" when it is free mail (no domain rule
// is offered for gmail.com). Both are "" for internal-only activities.
// Ignores are not consulted.
func (m *Matcher) RuleTargets(in Input) (address, domain string) {
	for _, role := range [...]model.Role{model.RoleFrom, model.RoleTo, model.RoleCc, ""} {
		address = m.firstOutside(in.Participants, role)
		if address != "" {
			break
		}
	}
	if address == "" {
		return "", ""
	}
	if !m.IsFreeMail(address) {
		domain = Site(address)
	}
	return address, domain
}

// firstOutside returns the first outside address in the role ("" for any
// role), or "".
func (m *Matcher) firstOutside(ps []model.Participant, role model.Role) string {
	for _, p := range ps {
		if role != "" && p.Role != role {
			continue
		}
		if email := normAddr(p.Email); email != "" && !m.team.IsInternal(email) {
			return email
		}
	}
	return ""
}
