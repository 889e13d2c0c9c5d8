package web

import (
	"strings"

	"github.com/dealtrail/dealtrail/internal/model"
)

// sameEmail compares two addresses without regard to case.
func sameEmail(a, b string) bool { return a != "" && strings.EqualFold(a, b) }

// isLead reports whether u sees and changes everything.
func isLead(u model.User) bool { return u.Role == model.Leader || u.Role == model.Admin }

// canChangeActivity reports whether u may correct a: leaders and admins
// always; a rep when the activity is on one of their deals, when their
// own mailbox or calendar saw it, or when it waits in review (on no deal,
// undecided) with one of their deals among its candidates. A runner-up
// deal of an activity linked to another rep's deal gives no right to it.
func (s *Server) canChangeActivity(u model.User, a model.Activity, deals *dealList) bool {
	if isLead(u) {
		return true
	}
	if l := a.Link; l != nil {
		if l.DealID != "" && sameEmail(u.Email, deals.owner(l.DealID)) {
			return true
		}
		if l.State == model.LinkReview && !l.Human() {
			for _, id := range l.Candidates {
				if sameEmail(u.Email, deals.owner(id)) {
					return true
				}
			}
		}
	}
	for _, sg := range a.Sightings {
		name := sg.Mailbox
		if name == "" {
			name = sg.Calendar
		}
		if sameEmail(u.Email, s.opts.Owners[name]) {
			return true
		}
	}
	return false
}
