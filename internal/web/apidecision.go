package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/decision"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// apiDecisionRequest is the body of POST /api/v1/activities/:id/decision.
//
// always is false (or absent) for no rule, "address" or "domain" for a
// rule over the activity's main outside address or its company domain,
// or true for the domain unless the address is on free mail (then the
// address).
type apiDecisionRequest struct {
	Action string          `json:"action"`
	Deal   string          `json:"deal"`
	Scope  string          `json:"scope"`
	Always json.RawMessage `json:"always"`
}

// apiDecisionRow is one audit row a decision wrote.
type apiDecisionRow struct {
	ID          int64           `json:"id"`
	At          apiTime         `json:"at"`
	Actor       string          `json:"actor"`
	Action      model.Action    `json:"action"`
	ActivityID  int64           `json:"activity_id"`
	BeforeDeal  string          `json:"before_deal"`
	BeforeState model.LinkState `json:"before_state"`
	AfterDeal   string          `json:"after_deal"`
	AfterState  model.LinkState `json:"after_state"`
	Detail      string          `json:"detail"`
}

// apiDecisionResponse says what a decision did.
type apiDecisionResponse struct {
	Decisions []apiDecisionRow `json:"decisions"`
	// Rematched counts the other activities that moved with it.
	Rematched int `json:"rematched"`
}

// apiDecision applies a decision to an activity (POST
// /api/v1/activities/:id/decision).
func (s *Server) apiDecision(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.failJSON(c, http.StatusNotFound, "no such activity")
		return
	}
	var body apiDecisionRequest
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		s.failJSON(c, http.StatusBadRequest, "the body must be JSON such as {\"action\": \"reassign\", \"deal\": \"D-301\"}: "+err.Error())
		return
	}
	a, deals, ok := s.activityAndDeals(c, id, "no such activity")
	if !ok {
		return
	}
	u := userOf(c)
	if !s.canChangeActivity(u, a, deals) {
		s.failJSON(c, http.StatusForbidden, "you may not change this activity: it is on another rep's deal and was not seen in your mailbox or calendar")
		return
	}
	req, problem := s.decisionRequest(c, body, a)
	if problem == "" {
		if err := s.checkDealChoice(ctx, req.DealID, deals); err != nil {
			problem = err.Error()
		}
	}
	if problem != "" {
		s.failJSON(c, http.StatusUnprocessableEntity, problem)
		return
	}
	req.Actor = u.Email
	out, err := s.opts.Decider.Apply(ctx, req)
	if len(out.Decisions) > 0 || err != nil {
		s.dropCaches()
	}
	if errors.Is(err, decision.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
		s.failJSON(c, http.StatusUnprocessableEntity, decisionProblem(err))
		return
	} else if err != nil {
		s.internalError(c, "applying the decision", err)
		return
	}
	s.logger.Info("decision applied", "action", string(req.Action), "activity_id", id, "user_id", u.ID)
	resp := apiDecisionResponse{Decisions: make([]apiDecisionRow, 0, len(out.Decisions)), Rematched: len(out.Rematched.Changes)}
	for _, d := range out.Decisions {
		resp.Decisions = append(resp.Decisions, apiDecisionRow{ID: d.ID, At: apiTime(d.At), Actor: d.Actor, Action: d.Action,
			ActivityID: d.ActivityID, BeforeDeal: d.BeforeDeal, BeforeState: d.BeforeState, AfterDeal: d.AfterDeal,
			AfterState: d.AfterState, Detail: d.Detail})
	}
	s.writeJSON(c, http.StatusOK, resp)
}

// decisionRequest checks the body; a problem names the field.
func (s *Server) decisionRequest(c *gin.Context, body apiDecisionRequest, a model.Activity) (decision.Request, string) {
	req := decision.Request{ActivityID: a.ID, Action: model.Action(body.Action), DealID: strings.TrimSpace(body.Deal)}
	switch req.Action {
	case model.ActionConfirm, model.ActionUnlink, model.ActionIgnore, model.ActionPrivate:
	case model.ActionReassign:
		if req.DealID == "" {
			return req, "deal: reassign needs the deal to move the activity to"
		}
	default:
		return req, fmt.Sprintf("action: %q is not confirm, reassign, unlink, ignore or private", body.Action)
	}
	switch body.Scope {
	case "", "activity":
	case "thread":
		req.Thread = true
	default:
		return req, fmt.Sprintf("scope: %q is not activity or thread", body.Scope)
	}
	always := bytes.TrimSpace(body.Always)
	switch string(always) {
	case "", "null", "false":
	case "true":
		address, domain, err := s.opts.Linker.RuleTargets(c.Request.Context(), a)
		switch {
		case err != nil:
			return req, "always: " + err.Error()
		case domain != "":
			req.Always = decision.AlwaysDomain
		case address != "":
			req.Always = decision.AlwaysAddress
		default:
			return req, "always: the activity has no outside address to make a rule for"
		}
	case `"address"`:
		req.Always = decision.AlwaysAddress
	case `"domain"`:
		req.Always = decision.AlwaysDomain
	default:
		return req, fmt.Sprintf("always: %s is not false, true, \"address\" or \"domain\"", always)
	}
	return req, ""
}
