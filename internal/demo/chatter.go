package demo

import "fmt"

// Internal conversations between members: a question and its answer.
var asides = []struct{ subject, ask, answer string }{
	{"Can you cover my call on Thursday?", "Hi {to},\n\nI'm at the dentist on Thursday morning. Could you take my 10:00 with {account}?", "Sure, send me your notes and I'll take it."},
	{"Latest intro deck?", "Hi {to}, where is the latest version of the intro deck?", "It's in the shared drive, v7. The pricing slide is updated."},
	{"Lunch", "Hi {to}, lunch at 12:30?", "Works for me. The usual place?"},
	{"Question about {account}", "Hi {to},\n\nYou worked with {account} before, didn't you? Who should I talk to about procurement?", "I did. Start with the operations team; procurement comes in late there."},
	{"Discount approval", "Hi {to},\n\nCan I offer {account} 10% for a two-year term?", "Approved, up to 10%. Anything beyond that, ask me first."},
	{"Security answers", "Hi {to},\n\nDo you still have our answers to the last security questionnaire? Saves me an afternoon.", "Attached to the Cyberdyne thread, I'll forward them."},
}

// Rep answers to the leader's monthly pipeline review.
var reviewAnswers = []string{
	"Updated. {account} is slipping to next quarter, the rest is on track.",
	"Done. {account} looks good for this month.",
	"All updated. I'd like your help with {account} this week.",
}

// chatter writes the team's internal mail: the leader's monthly pipeline
// review with a rep's answer, reps asking each other and the leader
// things. None of it is a deal activity.
func (g *gen) chatter() {
	rng := g.rng(1000)
	w := &writer{rng: rng}
	reps := []person{g.members["alice"], g.members["bob"], g.members["carol"]}
	account := func() string { return customers[rng.IntN(len(customers))].Name }

	for m := range 12 {
		daysAgo := float64(3+30*m) + 3*rng.Float64()
		t := &thread{subject: "Monthly pipeline review"}
		t.join(g.leader)
		t.join(reps...)
		ask := func([]person) string {
			return "Hi all,\n\nAhead of Monday's pipeline review, please update your deals in the CRM\nand flag anything at risk."
		}
		g.emails = append(g.emails, w.send(t, g.leader, reps, g.clock.at(daysAgo), ask, nil))
		r := reps[rng.IntN(len(reps))]
		answer := fill(reviewAnswers[rng.IntN(len(reviewAnswers))], map[string]string{"{account}": account()}, nil)
		g.emails = append(g.emails, w.send(t, r, nil, g.clock.at(daysAgo-0.3), func([]person) string { return answer }, nil))
	}

	for range 14 {
		a := asides[rng.IntN(len(asides))]
		from := reps[rng.IntN(len(reps))]
		to := reps[(indexOf(reps, from)+1+rng.IntN(len(reps)-1))%len(reps)]
		if a.subject == "Discount approval" {
			to = g.leader
		}
		vars := map[string]string{"{account}": account()}
		daysAgo := 2 + 355*rng.Float64()
		t := &thread{subject: fill(a.subject, vars, nil)}
		ask := func(to []person) string {
			vars["{to}"] = to[0].first()
			return fill(a.ask, vars, nil)
		}
		g.emails = append(g.emails, w.send(t, from, []person{to}, g.clock.at(daysAgo), ask, nil))
		g.emails = append(g.emails, w.send(t, to, nil, g.clock.at(daysAgo-0.2), func([]person) string { return a.answer }, nil))
	}
}

// outsiders writes mail from people who are nobody's customer: a
// conference inviting two reps, and the answer.
func (g *gen) outsiders() {
	rng := g.rng(2000)
	w := &writer{rng: rng}
	org := contactPerson(organizer, "SaaSConf", 0)
	alice, bob := g.members["alice"], g.members["bob"]
	t := &thread{subject: "Speaking at SaaSConf 2025?"}
	t.join(org, alice, bob)
	invite := func(to []person) string {
		return fmt.Sprintf("Dear %s,\n\nWe would love to have OurCo on our sales operations panel in October.\nAre you or a colleague available?", to[0].first())
	}
	g.emails = append(g.emails, w.send(t, org, []person{alice}, g.clock.at(210), invite, nil))
	answer := func([]person) string {
		return "Hello,\n\nThank you for the invitation! Bob will join the panel; I've copied him here."
	}
	g.emails = append(g.emails, w.send(t, alice, nil, g.clock.at(208.5), answer, nil))
	thanks := func([]person) string {
		return "Wonderful, thank you both. Details follow next month."
	}
	g.emails = append(g.emails, w.send(t, org, nil, g.clock.at(207), thanks, nil))
}
