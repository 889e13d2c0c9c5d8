package web

import (
	"context"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// dealRef names a deal in a list of choices.
type dealRef struct {
	ID, Name, Account, Owner string
	Status                   model.DealStatus
	// Known is false for an ID no stored deal has.
	Known bool
}

// ref describes the deal id.
func (l *dealList) ref(id string) dealRef {
	d, ok := l.deal(id)
	if !ok {
		return dealRef{ID: id}
	}
	return dealRef{ID: d.ID, Name: d.Name, Account: d.Account, Owner: d.Owner, Status: d.Status, Known: true}
}

// open lists the open deals, the choices for reassigning.
func (l *dealList) open() []dealRef {
	var out []dealRef
	for _, d := range l.rows {
		if d.Status == model.DealOpen {
			out = append(out, l.ref(d.ID))
		}
	}
	return out
}

// reviewItem is an activity with what a person needs to place it, and the
// form that does.
type reviewItem struct {
	A        model.Activity
	From, To []model.Participant
	// Why says why it waits for a person.
	Why string
	// Current is the deal it is on, if any; Candidates the deals that
	// fitted, best first (Current excluded).
	Current    *dealRef
	Candidates []dealRef
	// CanChange says whether the user may decide it.
	CanChange bool
	// CSRF and Back fill the decision form: its token and where to go
	// after it.
	CSRF, Back string
}

// newReviewItem describes a for the user of page p.
func (s *Server) newReviewItem(p Page, a model.Activity, deals *dealList, back string) reviewItem {
	it := reviewItem{A: a, Why: whyReview(a.Link), CanChange: s.canChangeActivity(p.User, a, deals), CSRF: p.CSRF, Back: back}
	it.From, it.To = splitParticipants(a.Participants)
	if l := a.Link; l != nil {
		if l.Linked() {
			ref := deals.ref(l.DealID)
			it.Current = &ref
		}
		for _, id := range l.Candidates {
			if l.Linked() && id == l.DealID {
				continue
			}
			it.Candidates = append(it.Candidates, deals.ref(id))
		}
	}
	return it
}

// whyReview says in words why an activity waits for a person.
func whyReview(l *model.Link) string {
	switch {
	case l == nil || l.State == "":
		return "Not matched yet."
	case l.State == model.LinkReview:
		return "Several deals fit and none stood out: choose one."
	case l.State == model.LinkAuto && l.Confidence < store.LowConfidence:
		return "Matched automatically, but without much certainty: please confirm or correct."
	case l.State == model.LinkNone:
		return "On no deal, although the company is known: put it on a deal, or leave it off."
	default:
		return "This activity is " + stateLabel(l.State) + "."
	}
}

// reviewTotal is the size of the user's review queue (a rep's own items,
// everyone's for leaders and admins), kept for a moment.
func (s *Server) reviewTotal(ctx context.Context, u model.User) (int, error) {
	owner := ""
	if !isLead(u) {
		owner = u.Email
	}
	return s.reviewCount.get(ctx, owner, func(ctx context.Context) (int, error) {
		_, total, err := s.st.ReviewQueue(ctx, s.reviewQuery(owner, 1, 0))
		return total, err
	})
}
