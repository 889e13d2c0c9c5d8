package timeline

import (
	"cmp"
	"slices"

	"github.com/dealtrail/dealtrail/internal/model"
)

// person is a stakeholder being counted.
type person struct {
	Stakeholder
	last int // index of the last activity counted for them, or -1
}

// count adds activity i (not a note: notes are the team's own words) to
// its outside people. Emails and calls at or before Now, and held
// meetings they did not decline, count; anyone else on it is listed with
// what did count, possibly nothing.
func (b *builder) count(a *model.Activity, i int, c class, past bool) {
	for j := range a.Participants {
		p := &a.Participants[j]
		who := b.outsider(p.Email)
		if who == nil {
			continue
		}
		if p.Name != "" && p.Name != who.Name {
			who.Name = p.Name
		}
		counts := past
		if a.Kind == model.KindMeeting {
			counts = c.held && p.Status != model.PartDeclined
		}
		if !counts || who.last == i {
			continue
		}
		who.last = i
		if who.FirstSeen.IsZero() {
			who.FirstSeen = a.At
		}
		who.LastSeen = a.At
		if a.Kind == model.KindEmail {
			who.Emails++
		} else {
			who.Meetings++
		}
	}
}

// stakeholders lists the people counted, with Quiet set, by FirstSeen
// (those never seen last), then by address.
func (b *builder) stakeholders() []Stakeholder {
	out := make([]Stakeholder, 0, len(b.people))
	for _, who := range b.people {
		if who == nil {
			continue
		}
		s := who.Stakeholder
		s.Quiet = !s.LastSeen.IsZero() &&
			b.opts.Now.Sub(s.LastSeen) > b.opts.GoneDarkAfter &&
			b.lastConversation.After(s.LastSeen)
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y Stakeholder) int {
		if x.FirstSeen.IsZero() != y.FirstSeen.IsZero() {
			if x.FirstSeen.IsZero() {
				return 1
			}
			return -1
		}
		return cmp.Or(x.FirstSeen.Compare(y.FirstSeen), cmp.Compare(x.Email, y.Email))
	})
	return out
}
