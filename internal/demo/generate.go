package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/model"
)

// Generate builds a year of the demo team's mail ending before now. The
// same seed gives the same team, deals, threads, texts and Message-IDs
// whatever now is; now only places them in time: on working days, in
// office hours, the latest on the working day before now.
func Generate(seed uint64, now time.Time) *Team {
	g := &gen{seed: seed, clock: newClock(now), members: map[string]person{}}
	t := &Team{Domain: Domain, Members: Members(), Now: now}
	for _, m := range t.Members {
		g.members[m.User] = memberPerson(m)
		if m.Role == config.RoleLeader {
			g.leader = g.members[m.User]
		}
	}
	for _, c := range customers {
		t.Accounts = append(t.Accounts, Account{Name: c.Name, Domains: slices.Clone(c.Domains), Contacts: slices.Clone(c.Contacts)})
	}
	for i, p := range plans {
		t.Deals = append(t.Deals, g.story(i, p))
	}
	g.chatter()
	g.outsiders()

	slices.SortStableFunc(g.emails, func(a, b Email) int { return a.Date.Compare(b.Date) })
	t.Emails = g.emails
	t.Mailboxes = mailboxes(t.Emails)
	t.Meetings = g.meetings(t)
	t.Cases = Cases{
		Series:     t.Meetings[0].UID,
		SeriesDeal: seriesDeal,
		GoneDark:   goneDarkDeal,
		TwoDeals:   [2]string{twoDealsA, twoDealsB},
		FreeMail:   customers[plans[slices.IndexFunc(plans, func(p plan) bool { return p.id == freeMailDeal })].account].Contacts[0].Email,
		Lawyer:     lawyer.Email,
	}
	for _, e := range t.Emails {
		if e.Deal != "" && e.Direction == model.Outbound && len(e.Copies) > 1 {
			t.Cases.CcCopy = e.MessageID
			break
		}
	}
	return t
}

// gen holds what the story's parts share while it is written.
type gen struct {
	seed    uint64
	clock   clock
	members map[string]person
	leader  person
	emails  []Email
}

// rng returns the random source of one part of the story, so parts do not
// shift each other.
func (g *gen) rng(part uint64) *rand.Rand { return rand.New(rand.NewPCG(g.seed, part)) }

// timedStep is a step of a stage with the time it is sent, in days before
// now.
type timedStep struct {
	step
	daysAgo float64
}

// story writes one deal's mail and returns the deal.
func (g *gen) story(i int, p plan) model.Deal {
	rng := g.rng(uint64(i) + 1)
	w := &writer{rng: rng}
	c := customers[p.account]
	cast := map[actor]person{
		rep:     g.members[p.owner],
		buyer:   contactPerson(c.Contacts[p.contacts[0]], c.Name, c.zone),
		boss:    g.leader,
		counsel: contactPerson(lawyer, "Keller & Partners LLP", -5),
	}
	cast[buyer2] = cast[buyer]
	if len(p.contacts) > 1 {
		cast[buyer2] = contactPerson(c.Contacts[p.contacts[1]], c.Name, c.zone)
	}
	if p.cc != "" {
		cast[peer] = g.members[p.cc]
	}
	absent := map[actor]bool{buyer2: len(p.contacts) < 2, peer: p.cc == ""}
	vars := map[string]string{
		"{account}": c.Name,
		"{amount}":  money(p.amount),
		"{slug}":    strings.Fields(c.Name)[0],
		"{me}":      "",
		"{boss}":    g.leader.first(),
		"{peer}":    cast[peer].name,
		"{buyer}":   cast[buyer].first(),
		"{buyer2}":  cast[buyer2].name,
	}
	if p.cc != "" {
		vars["{peer}"] = cast[peer].first()
	}

	laid, closing := layout(rng, p), closingStage(p.story)
	var t *thread
	var closed time.Time
	for si, name := range p.story {
		st := stages[name]
		if !st.cont || t == nil {
			t = &thread{subject: fill(st.subject, vars, absent), deal: p.id}
			if st.ambiguous {
				t.deal = ""
			}
		}
		for k, ts := range laid[si] {
			from := cast[ts.from]
			var to []person
			for _, a := range ts.to {
				if !absent[a] {
					to = append(to, cast[a])
				}
			}
			if len(t.people) == 0 {
				t.join(from)
				if len(to) == 0 {
					t.join(counterparts([]person{cast[rep], cast[buyer]}, from)...)
				}
			}
			for _, a := range ts.join {
				if !absent[a] {
					t.join(cast[a])
				}
			}
			text := func(to []person) string {
				vars["{to}"], vars["{me}"] = to[0].first(), from.first()
				return fill(ts.text, vars, absent)
			}
			e := w.send(t, from, to, g.clock.at(ts.daysAgo), text, files(rng, fill(ts.file, vars, absent)))
			g.emails = append(g.emails, e)
			if si == closing && k == 0 {
				closed = e.Date
			}
			if strings.HasPrefix(name, "lost-") && k == 0 {
				g.forward(w, e, from, cast[rep], g.clock.at(ts.daysAgo-0.1))
			}
		}
	}

	d := model.Deal{
		ID: p.id, Name: p.name, Account: c.Name,
		Domains: slices.Clone(c.Domains),
		Owner:   g.members[p.owner].email,
		Stage:   p.stage, Status: p.status, Amount: p.amount,
		Created: dateOf(g.clock.at(float64(p.first - p.lag))),
	}
	for _, ci := range p.contacts {
		d.Contacts = append(d.Contacts, c.Contacts[ci].Email)
	}
	if p.status != model.DealOpen {
		d.Closed = dateOf(closed)
	}
	return d
}

// layout places every step of a deal's story in time. The stages before
// the close spread over first..last (an open deal's last mail is at
// last); the closing stage starts at last, and what follows it (the
// onboarding) comes days later.
func layout(rng *rand.Rand, p plan) [][]timedStep {
	out := make([][]timedStep, len(p.story))
	gaps := make([][]float64, len(p.story))
	dur := make([]float64, len(p.story))
	closing := closingStage(p.story)
	for si, name := range p.story {
		for k, s := range stages[name].steps {
			gap := 0.0
			if k > 0 {
				gap = s.after[0] + rng.Float64()*(s.after[1]-s.after[0])
			}
			gaps[si] = append(gaps[si], gap)
			dur[si] += gap
		}
	}

	// The stages before the close run from first to end: last for an open
	// deal, some days before the decision for a closed one.
	start, end := float64(p.first)-0.5*rng.Float64(), float64(p.last)
	if closing < len(p.story) {
		end += 2 + 8*rng.Float64()
	}
	span := start - end
	pre := dur[:closing]
	busy := 0.0
	for _, d := range pre {
		busy += d
	}
	scale := 1.0
	switch {
	case busy == 0:
	case len(pre) == 1:
		scale = span / busy
	case busy > 0.7*span:
		scale = 0.7 * span / busy
	}
	busy *= scale
	weights := make([]float64, max(len(pre)-1, 0))
	total := 0.0
	for i := range weights {
		weights[i] = 0.5 + rng.Float64()
		total += weights[i]
	}

	pos := start
	for si, name := range p.story {
		switch {
		case si == closing:
			pos = float64(p.last) - 0.5*rng.Float64()
		case si > closing:
			pos -= 3 + 5*rng.Float64()
		case si > 0:
			pos -= (span - busy) * weights[si-1] / total
		}
		for k, s := range stages[name].steps {
			gap := gaps[si][k]
			if si < closing {
				gap *= scale
			}
			pos -= gap
			out[si] = append(out[si], timedStep{s, max(pos, 0)})
		}
	}
	return out
}

// closingStage is the index of the stage where the deal is won or lost;
// len(story) for an open deal.
func closingStage(story []string) int {
	for i, name := range story {
		if name == "won" || strings.HasPrefix(name, "lost-") {
			return i
		}
	}
	return len(story)
}

// forward writes the rep passing a customer's email on to the leader:
// internal, so never an activity, though it quotes the customer.
func (g *gen) forward(w *writer, orig Email, sender, rep person, at time.Time) {
	t := &thread{subject: "Fwd: " + orig.Subject}
	t.join(rep, g.leader)
	text := func(to []person) string {
		return fmt.Sprintf("Hi %s,\n\nFYI, see below. I'll add a note to the deal.\n\n---------- Forwarded message ---------\nFrom: %s <%s>\nSubject: %s",
			to[0].first(), sender.name, sender.email, orig.Subject)
	}
	g.emails = append(g.emails, w.send(t, rep, []person{g.leader}, at, text, nil))
}

// fill replaces the placeholders in s, leaving out [bracketed] parts that
// name someone absent.
func fill(s string, vars map[string]string, absent map[actor]bool) string {
	names := map[actor]string{buyer2: "{buyer2}", peer: "{peer}"}
	for {
		open := strings.IndexByte(s, '[')
		end := strings.IndexByte(s, ']')
		if open < 0 || end < open {
			break
		}
		inner := s[open+1 : end]
		for a, name := range names {
			if absent[a] && strings.Contains(inner, name) {
				inner = ""
			}
		}
		s = s[:open] + inner + s[end+1:]
	}
	for k, v := range vars {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// money formats an amount in dollars with thousands separators.
func money(amount float64) string {
	n := int64(amount)
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return "$" + b.String()
}

// clock places story times given in days before now.
type clock struct {
	today time.Time // midnight of now's date where the team works
}

func newClock(now time.Time) clock {
	n := now.In(teamZone)
	return clock{today: time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, teamZone)}
}

// at turns days before now into a time: counted on working days (five
// for seven), the last being the working day before today, and spread
// over office hours (08:00 to 17:00) within a day. Larger is earlier.
func (c clock) at(daysAgo float64) time.Time {
	wd := max(daysAgo, 0) * 5 / 7
	day := int(wd)
	frac := wd - float64(day)
	d := c.today
	for n := 0; n <= day; {
		d = d.AddDate(0, 0, -1)
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			n++
		}
	}
	return d.Add(8*time.Hour + time.Duration((1-frac)*9*float64(time.Hour))).Truncate(time.Second)
}

// dateOf is the calendar day of t where the team works, as a UTC midnight
// (how the CRM's dates are kept).
func dateOf(t time.Time) time.Time {
	t = t.In(teamZone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
