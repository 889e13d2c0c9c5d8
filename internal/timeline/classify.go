package timeline

import (
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// builder holds what Build works out in its one scan of the activities
// and every later step reads.
type builder struct {
	opts  Options
	team  model.Team
	items []Item  // the timeline's items, in order
	class []class // by index into items
	// people holds every address seen: the customer's people, and nil for
	// the team's own (IsInternal, asked once per address).
	people map[string]*person
	// lastCustomer and lastTeam are the latest customer word and team
	// touch; lastConversation the latest of either.
	lastCustomer, lastTeam, lastConversation time.Time
}

// class is what one activity means for the deal's story.
type class struct {
	customer  bool // a customer word: inbound email, held meeting, call, at or before now
	team      bool // a team touch: outbound email at or before now
	held      bool // a held meeting
	declined  bool // a meeting every outside attendee declined
	cancelled bool // a cancelled meeting
	future    bool // a meeting after now
	planned   bool // a meeting after now, neither cancelled nor declined
}

// conversation reports whether the activity is a customer word or a team
// touch: what gaps are measured between.
func (c class) conversation() bool { return c.customer || c.team }

// outsider returns the person of an outside address, created on first
// sight; nil for the team's own addresses and for "".
func (b *builder) outsider(addr string) *person {
	who, ok := b.people[addr]
	if !ok {
		if addr != "" && !b.team.IsInternal(addr) {
			who = &person{Stakeholder: Stakeholder{Email: addr}, last: -1}
		}
		b.people[addr] = who
	}
	return who
}

// scan classifies every item, in order, marking meetings on their item,
// and counts the customer's people.
func (b *builder) scan() {
	b.class = make([]class, len(b.items))
	b.people = map[string]*person{}
	now := b.opts.Now
	for k := range b.items {
		it := &b.items[k]
		a := &it.Activity
		past := !a.At.After(now)
		var c class
		switch a.Kind {
		case model.KindEmail:
			c.customer = past && a.Direction == model.Inbound
			c.team = past && a.Direction == model.Outbound
		case model.KindCall:
			c.customer = past
		case model.KindMeeting:
			c = b.meeting(a)
			it.Declined, it.Cancelled, it.Future = c.declined, c.cancelled, c.future
		}
		b.class[k] = c
		if c.customer {
			b.lastCustomer = a.At
		}
		if c.team {
			b.lastTeam = a.At
		}
		if c.conversation() {
			b.lastConversation = a.At
		}
		if a.Kind != model.KindNote {
			b.count(a, k, c, past)
		}
	}
}

// meeting classifies a meeting activity.
func (b *builder) meeting(a *model.Activity) class {
	var c class
	c.cancelled = a.Meeting != nil && a.Meeting.Cancelled
	c.future = a.At.After(b.opts.Now)
	outside, declined := 0, 0
	for j := range a.Participants {
		p := &a.Participants[j]
		if b.outsider(p.Email) == nil {
			continue
		}
		outside++
		if p.Status == model.PartDeclined {
			declined++
		}
	}
	c.declined = outside > 0 && declined == outside
	happens := !c.cancelled && !c.declined && outside > 0
	c.held = happens && !c.future
	c.planned = happens && c.future
	c.customer = c.held
	return c
}

// staleness works out the deal's Staleness from the scan.
func (b *builder) staleness() Staleness {
	s := assess(b.opts.Status, b.lastCustomer, b.lastTeam, b.opts)
	for k, c := range b.class {
		if c.team && b.items[k].Activity.At.After(b.lastCustomer) {
			s.FollowUps++
		}
	}
	return s
}
