package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/decision"
	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// maxBulk bounds how many activities one bulk decision takes.
const maxBulk = 200

// movesShown is how many of the activities an "always" rule would move
// its confirmation page lists.
const movesShown = 20

// decideForm is a decision as posted by the review queue or an activity
// page.
type decideForm struct {
	IDs []int64
	// Do is the button pressed: confirm, confirm:DEAL, reassign, unlink,
	// ignore or private.
	Do     string
	Action model.Action
	DealID string
	Thread bool
	Always decision.Scope
	// Confirmed is set once the person saw what an "always" rule moves.
	Confirmed bool
	Back      string
}

// confirmPage shows what an "always" rule would do before it is applied.
type confirmPage struct {
	Page
	Form decideForm
	Rule model.Rule
	Deal dealRef
	// Moves are the first past activities the rule would move; MoveCount
	// counts all of them.
	Moves     []linker.Move
	MoveCount int
}

// formError is bad input in a form: the field and what is wrong with it.
type formError struct {
	status int
	msg    string
}

// Error returns the message, which names the field.
func (e *formError) Error() string { return e.msg }

// badInput makes a formError with status 422.
func badInput(format string, args ...any) *formError {
	return &formError{status: http.StatusUnprocessableEntity, msg: fmt.Sprintf(format, args...)}
}

// reviewDecide applies a decision to one activity or, in bulk, several
// (POST /review/decide), then redirects back with a message. "Always"
// first shows how many past activities the rule moves, and applies on
// confirmation. Bad input re-renders the review queue with the message,
// and nothing changes.
func (s *Server) reviewDecide(c *gin.Context) {
	ctx := c.Request.Context()
	u := userOf(c)
	f, ferr := parseDecideForm(c)
	deals, err := s.dealList(ctx)
	if err != nil {
		s.internalError(c, "reading the deals", err)
		return
	}
	if ferr == nil {
		ferr = s.checkDealChoice(ctx, f.DealID, deals)
	}
	if ferr != nil {
		s.decideFailed(c, ferr)
		return
	}
	for _, id := range f.IDs {
		a, err := s.st.Activity(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			s.decideFailed(c, badInput("activity %d does not exist (any more); nothing was changed", id))
			return
		} else if err != nil {
			s.internalError(c, "reading the activity", err)
			return
		}
		if !s.canChangeActivity(u, a, deals) {
			s.fail(c, http.StatusForbidden, fmt.Sprintf("You cannot change activity %d: it is on another rep's deal and was not seen in your mailbox or calendar. Nothing was changed.", id))
			return
		}
	}
	req := decision.Request{Actor: u.Email, Action: f.Action, DealID: f.DealID, Thread: f.Thread, Always: f.Always}
	if f.Always != decision.Once && !f.Confirmed {
		req.ActivityID = f.IDs[0]
		rule, moves, err := s.opts.Decider.Preview(ctx, req)
		if errors.Is(err, decision.ErrInvalid) {
			s.decideFailed(c, badInput("%s", decisionProblem(err)))
			return
		} else if err != nil {
			s.internalError(c, "previewing the rule", err)
			return
		}
		p := confirmPage{Page: s.page(c, "Confirm the rule", "review"), Form: f, Rule: rule,
			Deal: deals.ref(rule.DealID), Moves: moves[:min(len(moves), movesShown)], MoveCount: len(moves)}
		s.render(c, http.StatusOK, "review_confirm.html", p)
		return
	}
	var decided, moved int
	for i, id := range f.IDs {
		req.ActivityID = id
		out, err := s.opts.Decider.Apply(ctx, req)
		if err != nil {
			s.dropCaches()
			msg := decisionProblem(err)
			if i > 0 {
				msg = fmt.Sprintf("%d of %d applied, then activity %d: %s", i, len(f.IDs), id, msg)
			}
			if errors.Is(err, decision.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
				s.decideFailed(c, badInput("%s", msg))
				return
			}
			s.internalError(c, "applying the decision", err)
			return
		}
		for _, d := range out.Decisions {
			if d.ActivityID != 0 { // not the row of the rule itself
				decided++
			}
		}
		moved += len(out.Rematched.Changes)
	}
	s.dropCaches()
	s.logger.Info("decision applied", "action", string(f.Action), "activities", len(f.IDs), "user_id", u.ID)
	s.redirectWithFlash(c, f.Back, decidedMessage(f, decided, moved))
}

// decideFailed re-renders the review queue with what was wrong.
func (s *Server) decideFailed(c *gin.Context, err error) {
	status := http.StatusBadRequest
	var fe *formError
	if errors.As(err, &fe) {
		status = fe.status
	}
	p, ok := s.buildReviewPage(c, "", "")
	if !ok {
		return
	}
	p.Error = "Nothing was changed: " + err.Error()
	s.render(c, status, "review.html", p)
}

// parseDecideForm reads and checks the form's fields.
func parseDecideForm(c *gin.Context) (decideForm, error) {
	f := decideForm{Do: c.PostForm("do"), DealID: strings.TrimSpace(c.PostForm("deal")),
		Thread: c.PostForm("thread") == "1", Confirmed: c.PostForm("confirmed") == "1", Back: c.PostForm("back")}
	if f.Back == "" || localPath(f.Back) != f.Back {
		f.Back = "/review"
	}
	for _, raw := range append(c.PostFormArray("id"), c.PostFormArray("ids")...) {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return f, &formError{http.StatusBadRequest, fmt.Sprintf("id: %q is not an activity", raw)}
		}
		f.IDs = append(f.IDs, id)
	}
	switch n := len(f.IDs); {
	case n == 0:
		return f, &formError{http.StatusBadRequest, "choose at least one activity (tick its box for a bulk action)"}
	case n > maxBulk:
		return f, badInput("at most %d activities at once", maxBulk)
	}
	action, deal, _ := strings.Cut(f.Do, ":")
	f.Action = model.Action(action)
	switch f.Action {
	case model.ActionConfirm:
		if deal != "" {
			f.DealID = deal
		}
	case model.ActionReassign:
		if f.DealID == "" {
			return f, badInput("deal: choose the deal to move it to")
		}
	case model.ActionUnlink, model.ActionIgnore, model.ActionPrivate:
		f.DealID = ""
	case "":
		return f, &formError{http.StatusBadRequest, "action: choose what to do (confirm, reassign, unlink, ignore or private)"}
	default:
		return f, &formError{http.StatusBadRequest, fmt.Sprintf("action: %q is not something dealtrail can do", f.Do)}
	}
	switch always := c.PostForm("always"); always {
	case "", "no":
	case string(decision.AlwaysAddress), string(decision.AlwaysDomain):
		f.Always = decision.Scope(always)
		if len(f.IDs) > 1 {
			return f, badInput("always: a rule is made from one activity at a time, not in bulk")
		}
		if f.Action != model.ActionConfirm && f.Action != model.ActionReassign && f.Action != model.ActionIgnore {
			return f, badInput("always: only confirm, reassign and ignore can become a rule")
		}
	default:
		return f, badInput("always: %q is not address or domain", always)
	}
	return f, nil
}

// checkDealChoice refuses a deal ID no stored deal has.
func (s *Server) checkDealChoice(ctx context.Context, id string, deals *dealList) error {
	if id == "" {
		return nil
	}
	if _, ok := deals.deal(id); ok {
		return nil
	}
	// Imported since the list was read?
	_, err := s.st.DealSummary(ctx, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return badInput("deal: there is no deal %q", id)
	}
	return err
}

// decisionProblem is what the decider refused, without the
// "invalid decision: " that decision.ErrInvalid puts first.
func decisionProblem(err error) string {
	return strings.TrimPrefix(err.Error(), decision.ErrInvalid.Error()+": ")
}

// decidedMessage says what a decision did.
func decidedMessage(f decideForm, decided, moved int) string {
	var msg string
	acts := "1 activity"
	if decided != 1 {
		acts = strconv.Itoa(decided) + " activities"
	}
	switch f.Action {
	case model.ActionConfirm:
		msg = "Confirmed " + acts
	case model.ActionReassign:
		msg = "Moved " + acts + " to " + f.DealID
	case model.ActionUnlink:
		msg = "Unlinked " + acts
	case model.ActionIgnore:
		msg = "Ignored " + acts
	case model.ActionPrivate:
		msg = "Marked " + acts + " private"
	}
	if f.Always != decision.Once {
		msg += ", and made a rule for the " + string(f.Always)
	}
	if moved > 0 {
		msg += "; " + strconv.Itoa(moved) + " more moved with it"
	}
	return msg + "."
}
