// Package decision applies people's corrections to the matcher's work:
// confirm a link, reassign an activity to another deal, unlink it, mark it
// private or ignore it; for one activity or its whole thread; optionally
// "always", as a rule for the address or domain, previewed before it is
// applied. Every decision is written with its audit rows in one
// transaction, and what it affects is re-matched at once.
package decision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// Store is what decisions need from the database.
type Store interface {
	Activity(ctx context.Context, id int64) (model.Activity, error)
	ThreadActivityIDs(ctx context.Context, id int64) ([]int64, error)
	Decide(ctx context.Context, in store.DecisionInput) ([]model.Decision, error)
}

// Linker re-matches what a decision affects and previews rules.
type Linker interface {
	Drain(ctx context.Context) (linker.Summary, error)
	Preview(ctx context.Context, rule model.Rule) ([]linker.Move, error)
	RuleTargets(ctx context.Context, a model.Activity) (address, domain string, err error)
}

// Scope says what an "always" rule covers.
type Scope string

// Scopes of "always".
const (
	// Once applies the decision to the chosen activities only.
	Once Scope = ""
	// AlwaysAddress makes a rule for the activity's main outside address.
	AlwaysAddress Scope = "address"
	// AlwaysDomain makes a rule for that address's company domain.
	AlwaysDomain Scope = "domain"
)

// Request is one decision as a person makes it in the UI.
type Request struct {
	// Actor is the person deciding (their email).
	Actor      string
	ActivityID int64
	Action     model.Action
	// DealID is the deal to reassign to; for confirm, the deal being
	// confirmed ("" confirms the current link).
	DealID string
	// Thread applies the decision to every activity of the conversation.
	Thread bool
	// Always also makes a rule (confirm, reassign and ignore only).
	Always Scope
}

// Outcome is what a decision changed.
type Outcome struct {
	// Decisions are the audit rows written.
	Decisions []model.Decision
	// Rematched is what re-matching after the decision moved: replies
	// that follow their thread, activities a new rule covers.
	Rematched linker.Summary
}

// ErrInvalid marks a request that cannot be applied as asked.
var ErrInvalid = errors.New("invalid decision")

// Decider applies decisions.
type Decider struct {
	store  Store
	linker Linker
}

// New returns a Decider writing to st and re-matching through lk.
func New(st Store, lk Linker) *Decider { return &Decider{store: st, linker: lk} }

// Apply carries out req: the human links and audit rows (and the rule)
// are written together, then what they affect is re-matched.
func (d *Decider) Apply(ctx context.Context, req Request) (Outcome, error) {
	in, err := d.plan(ctx, req)
	if err != nil {
		return Outcome{}, err
	}
	rows, err := d.store.Decide(ctx, in)
	if err != nil {
		return Outcome{}, fmt.Errorf("%s activity %d: %w", req.Action, req.ActivityID, err)
	}
	out := Outcome{Decisions: rows}
	if out.Rematched, err = d.linker.Drain(ctx); err != nil {
		return out, fmt.Errorf("re-match after %s: %w", req.Action, err)
	}
	return out, nil
}

// Preview returns the rule that req's "always" would create and the past
// activities it would move, without changing anything. The activities the
// decision itself covers are not among them: the decision places them,
// and the rule never overrides a person's decision. After Apply,
// Outcome.Rematched lists these moves, and also any replies that follow
// the decided activities by thread, which this does not foresee.
func (d *Decider) Preview(ctx context.Context, req Request) (model.Rule, []linker.Move, error) {
	if req.Always == Once {
		return model.Rule{}, nil, fmt.Errorf("%w: preview needs always=address or always=domain", ErrInvalid)
	}
	in, err := d.plan(ctx, req)
	if err != nil {
		return model.Rule{}, nil, err
	}
	moves, err := d.linker.Preview(ctx, *in.Rule)
	if err != nil {
		return *in.Rule, nil, err
	}
	moves = slices.DeleteFunc(moves, func(m linker.Move) bool { return slices.Contains(in.ActivityIDs, m.Activity.ID) })
	return *in.Rule, moves, nil
}

// plan checks req and turns it into what the store writes.
func (d *Decider) plan(ctx context.Context, req Request) (store.DecisionInput, error) {
	if strings.TrimSpace(req.Actor) == "" {
		return store.DecisionInput{}, fmt.Errorf("%w: no actor", ErrInvalid)
	}
	a, err := d.store.Activity(ctx, req.ActivityID)
	if err != nil {
		return store.DecisionInput{}, fmt.Errorf("activity %d: %w", req.ActivityID, err)
	}
	link, err := humanLink(req, a)
	if err != nil {
		return store.DecisionInput{}, err
	}
	in := store.DecisionInput{Actor: req.Actor, Action: req.Action, ActivityIDs: []int64{a.ID}, Link: link}
	if req.Thread {
		if in.ActivityIDs, err = d.store.ThreadActivityIDs(ctx, a.ID); err != nil {
			return store.DecisionInput{}, fmt.Errorf("thread of activity %d: %w", a.ID, err)
		}
		in.Detail = fmt.Sprintf("whole thread (%d activities)", len(in.ActivityIDs))
	}
	if req.Always != Once {
		rule, err := d.rule(ctx, req, a, link)
		if err != nil {
			return store.DecisionInput{}, err
		}
		in.Rule = &rule
	}
	return in, nil
}

// humanLink is the link req gives a.
func humanLink(req Request, a model.Activity) (model.Link, error) {
	switch req.Action {
	case model.ActionConfirm:
		deal := req.DealID
		if deal == "" && a.Link != nil && a.Link.Linked() {
			deal = a.Link.DealID
		}
		if deal == "" {
			return model.Link{}, fmt.Errorf("%w: activity %d is on no deal to confirm; reassign it to one", ErrInvalid, a.ID)
		}
		return model.Link{DealID: deal, State: model.LinkConfirmed, Method: model.MethodManual, Confidence: 1,
			Reason: "confirmed by " + req.Actor}, nil
	case model.ActionReassign:
		if req.DealID == "" {
			return model.Link{}, fmt.Errorf("%w: reassign needs a deal", ErrInvalid)
		}
		return model.Link{DealID: req.DealID, State: model.LinkConfirmed, Method: model.MethodManual, Confidence: 1,
			Reason: "put on this deal by " + req.Actor}, nil
	case model.ActionUnlink:
		return model.Link{State: model.LinkRejected, Method: model.MethodManual, Reason: "unlinked by " + req.Actor}, nil
	case model.ActionPrivate:
		return model.Link{State: model.LinkPrivate, Method: model.MethodManual, Reason: "marked private by " + req.Actor}, nil
	case model.ActionIgnore:
		return model.Link{State: model.LinkIgnored, Method: model.MethodManual, Reason: "ignored by " + req.Actor}, nil
	default:
		return model.Link{}, fmt.Errorf("%w: unknown action %q (want confirm, reassign, unlink, private or ignore)", ErrInvalid, req.Action)
	}
}

// rule is the "always" rule of req on activity a.
func (d *Decider) rule(ctx context.Context, req Request, a model.Activity, link model.Link) (model.Rule, error) {
	r := model.Rule{CreatedBy: req.Actor}
	switch req.Action {
	case model.ActionConfirm, model.ActionReassign:
		r.Kind, r.DealID = model.RuleDeal, link.DealID
	case model.ActionIgnore:
		r.Kind = model.RuleIgnore
	default:
		return r, fmt.Errorf("%w: always is for confirm, reassign and ignore, not %s", ErrInvalid, req.Action)
	}
	address, domain, err := d.linker.RuleTargets(ctx, a)
	if err != nil {
		return r, err
	}
	switch req.Always {
	case AlwaysAddress:
		if address == "" {
			return r, fmt.Errorf("%w: activity %d has no outside address to make a rule for", ErrInvalid, a.ID)
		}
		r.Address = address
	case AlwaysDomain:
		if domain == "" {
			return r, fmt.Errorf("%w: activity %d has no company domain to make a rule for (free mail or no outside address); use always=address", ErrInvalid, a.ID)
		}
		r.Domain = domain
	default:
		return r, fmt.Errorf("%w: unknown always %q (want address or domain)", ErrInvalid, req.Always)
	}
	return r, nil
}
