package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
)

// DecisionInput is one human decision: the same link for one or more
// activities, optionally with a rule ("always") for what comes next.
type DecisionInput struct {
	// Actor is the person deciding; required.
	Actor string
	// Action is what they did to the activities: confirm, reassign,
	// unlink, private or ignore.
	Action      model.Action
	ActivityIDs []int64
	// Link is the human link to write: State confirmed (with DealID),
	// rejected, private or ignored. Decide sets Method (manual),
	// Confidence (1 when confirmed), DecidedBy and DecidedAt; an empty
	// Reason becomes "<action> by <actor>", and nil Candidates keep the
	// activity's current ones.
	Link model.Link
	// Rule, when set, is inserted, replacing any rule for the same
	// address or domain; CreatedBy defaults to Actor.
	Rule *model.Rule
	// Detail is kept in the audit rows of the activities.
	Detail string
}

// Decide applies a human decision in one immediate transaction: for each
// activity it writes the human link (which re-matching never overwrites),
// one audit row with the deal and state before and after, and queues the
// rest of its thread for re-matching. With a Rule it also saves the rule,
// writes an audit row with action "rule" (no activity; RuleID set; and
// RuleID set on the activity rows too), bumps the catalog version and
// queues the activities the rule covers. The figures of the deals the
// activities leave and join, and the review queue, follow in the same
// transaction. An unknown activity fails with an
// error wrapping ErrNotFound that names it; an unknown deal with "unknown
// deal X" (also wrapping ErrNotFound). It returns the audit rows written.
func (s *Store) Decide(ctx context.Context, in DecisionInput) ([]model.Decision, error) {
	in, rule, err := checkDecision(in)
	if err != nil {
		return nil, fmt.Errorf("decide: %w", err)
	}
	now := s.now()
	at := unixTime(now.Unix())
	seq := s.nextSeq()
	var out []model.Decision
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		out = nil
		for _, deal := range []string{in.Link.DealID, rule.DealID} {
			if err := checkDeal(ctx, tx, deal); err != nil {
				return err
			}
		}
		var ruleID int64
		if in.Rule != nil {
			saved, err := saveRule(ctx, tx, rule, now)
			if err != nil {
				return err
			}
			ruleID = saved.ID
			d := model.Decision{At: at, Actor: in.Actor, Action: model.ActionRule, RuleID: ruleID,
				AfterDeal: saved.DealID, Detail: describeRule(saved)}
			if d.ID, err = insertDecision(ctx, tx, d); err != nil {
				return err
			}
			out = append(out, d)
			if err := bumpCatalog(ctx, tx); err != nil {
				return err
			}
			if _, err := enqueueAffected(ctx, tx, RuleAffects(saved), seq); err != nil {
				return err
			}
		}
		if len(in.ActivityIDs) == 0 {
			return nil
		}
		var c viewChanges
		for _, id := range in.ActivityIDs {
			d, err := decideActivity(ctx, tx, &c, in, id, at, seq)
			if err != nil {
				return err
			}
			d.RuleID = ruleID
			if d.ID, err = insertDecision(ctx, tx, d); err != nil {
				return err
			}
			out = append(out, d)
		}
		return c.apply(ctx, tx)
	})
	if err != nil {
		return nil, fmt.Errorf("decide %s by %s: %w", in.Action, in.Actor, err)
	}
	return out, nil
}

// checkDecision validates a decision and returns it with its activity ids
// deduplicated (in their order), and its rule normalized (zero when there
// is none).
func checkDecision(in DecisionInput) (DecisionInput, model.Rule, error) {
	var rule model.Rule
	if in.Actor == "" {
		return in, rule, errors.New("a decision needs an actor")
	}
	if in.Rule != nil {
		var err error
		if rule, err = normalizeRule(*in.Rule); err != nil {
			return in, rule, err
		}
		if rule.CreatedBy == "" {
			rule.CreatedBy = in.Actor
		}
	}
	if len(in.ActivityIDs) == 0 {
		if in.Rule == nil {
			return in, rule, errors.New("a decision needs activities or a rule")
		}
		return in, rule, nil
	}
	seen := make(map[int64]bool, len(in.ActivityIDs))
	ids := make([]int64, 0, len(in.ActivityIDs))
	for _, id := range in.ActivityIDs {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	in.ActivityIDs = ids
	switch in.Action {
	case model.ActionConfirm, model.ActionReassign, model.ActionUnlink, model.ActionPrivate, model.ActionIgnore:
	default:
		return in, rule, fmt.Errorf("action %q is not one a person takes on an activity", in.Action)
	}
	switch in.Link.State {
	case model.LinkConfirmed:
		if in.Link.DealID == "" {
			return in, rule, errors.New("a confirmed link needs a deal")
		}
	case model.LinkRejected, model.LinkPrivate, model.LinkIgnored:
		if in.Link.DealID != "" {
			return in, rule, fmt.Errorf("a link in state %s names no deal, got %s", in.Link.State, in.Link.DealID)
		}
	default:
		return in, rule, fmt.Errorf("link state %q is not a human decision", in.Link.State)
	}
	return in, rule, nil
}

// checkDeal fails with "unknown deal X" when deal is set and not stored.
func checkDeal(ctx context.Context, tx *sql.Tx, deal string) error {
	if deal == "" {
		return nil
	}
	ok, err := exists(ctx, tx, `SELECT 1 FROM deals WHERE id = ?`, deal)
	if err != nil {
		return fmt.Errorf("look up deal %s: %w", deal, err)
	}
	if !ok {
		return fmt.Errorf("unknown deal %s: %w", deal, ErrNotFound)
	}
	return nil
}

// decideActivity writes the human link of one activity, queues its
// thread mates and records the deals it leaves and joins in c; it returns
// the audit row to write (without id).
func decideActivity(ctx context.Context, tx *sql.Tx, c *viewChanges, in DecisionInput, id int64, at time.Time, seq int64) (model.Decision, error) {
	ok, err := exists(ctx, tx, `SELECT 1 FROM activities WHERE id = ?`, id)
	if err != nil {
		return model.Decision{}, fmt.Errorf("look up activity %d: %w", id, err)
	}
	if !ok {
		return model.Decision{}, fmt.Errorf("activity %d: %w", id, ErrNotFound)
	}
	stored, err := readLinks(ctx, tx, []LinkUpdate{{ActivityID: id}})
	if err != nil {
		return model.Decision{}, err
	}
	before, candidates := stored[id].link, stored[id].candidates
	if candidates == "" {
		candidates = "[]"
	}
	l := in.Link
	if l.Candidates != nil {
		if candidates, err = encodeCandidates(l.Candidates); err != nil {
			return model.Decision{}, err
		}
	}
	reason := l.Reason
	if reason == "" {
		reason = actionWords[in.Action] + " by " + in.Actor
	}
	confidence := 0.0
	if l.State == model.LinkConfirmed {
		confidence = 1
	}
	var deal any
	if l.DealID != "" {
		deal = l.DealID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO links (activity_id, deal_id, state, method, confidence, reason,
		  candidates, decided_by, decided_at, updated_at, at, met, kind, direction)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, a.at, `+metOf("?1")+`, a.kind, a.direction
		FROM activities AS a WHERE a.id = ?1
		ON CONFLICT (activity_id) DO UPDATE SET deal_id = excluded.deal_id, state = excluded.state,
		  method = excluded.method, confidence = excluded.confidence, reason = excluded.reason,
		  candidates = excluded.candidates, decided_by = excluded.decided_by,
		  decided_at = excluded.decided_at, updated_at = excluded.updated_at, at = excluded.at, met = excluded.met,
		  kind = excluded.kind, direction = excluded.direction`,
		id, deal, l.State, model.MethodManual, confidence, reason, candidates, in.Actor, at.Unix(), at.Unix()); err != nil {
		return model.Decision{}, fmt.Errorf("save link of activity %d: %w", id, err)
	}
	c.deal(before.DealID, l.DealID)
	c.reconsider(id)
	if _, err := tx.ExecContext(ctx, enqueueThreadMates, seq, id); err != nil {
		return model.Decision{}, fmt.Errorf("queue thread of activity %d: %w", id, err)
	}
	return model.Decision{At: at, Actor: in.Actor, Action: in.Action, ActivityID: id,
		BeforeDeal: before.DealID, BeforeState: before.State, AfterDeal: l.DealID, AfterState: l.State,
		Detail: in.Detail}, nil
}

// actionWords says an action in the past tense, for default reasons.
var actionWords = map[model.Action]string{
	model.ActionConfirm:  "confirmed",
	model.ActionReassign: "reassigned",
	model.ActionUnlink:   "unlinked",
	model.ActionPrivate:  "marked private",
	model.ActionIgnore:   "ignored",
}

// insertDecision writes one audit row and returns its id.
func insertDecision(ctx context.Context, tx *sql.Tx, d model.Decision) (int64, error) {
	var activity, rule any
	if d.ActivityID != 0 {
		activity = d.ActivityID
	}
	if d.RuleID != 0 {
		rule = d.RuleID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO decisions (at, actor, action, activity_id, before_deal, before_state,
		  after_deal, after_state, rule_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.At.Unix(), d.Actor, d.Action, activity, d.BeforeDeal, d.BeforeState, d.AfterDeal, d.AfterState, rule, d.Detail)
	if err != nil {
		return 0, fmt.Errorf("record decision on activity %d: %w", d.ActivityID, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("record decision on activity %d: %w", d.ActivityID, err)
	}
	return id, nil
}

// DecisionFilter narrows Decisions; zero fields do not filter.
type DecisionFilter struct {
	// DealID matches decisions that moved an activity from or to the
	// deal.
	DealID     string
	Actor      string
	ActivityID int64
	// Limit caps the rows returned; 0 returns all.
	Limit int
}

// Decisions lists audit rows, newest first.
func (s *Store) Decisions(ctx context.Context, f DecisionFilter) ([]model.Decision, error) {
	var where []string
	var args []any
	if f.DealID != "" {
		where = append(where, `(before_deal = ? OR after_deal = ?)`)
		args = append(args, f.DealID, f.DealID)
	}
	if f.Actor != "" {
		where = append(where, `actor = ?`)
		args = append(args, f.Actor)
	}
	if f.ActivityID != 0 {
		where = append(where, `activity_id = ?`)
		args = append(args, f.ActivityID)
	}
	query := `SELECT id, at, actor, action, COALESCE(activity_id, 0), before_deal, before_state, after_deal,
		after_state, COALESCE(rule_id, 0), detail FROM decisions`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY id DESC`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var out []model.Decision
	err := eachRow(ctx, s.read, query, args, func(rows *sql.Rows) error {
		var d model.Decision
		var at int64
		if err := rows.Scan(&d.ID, &at, &d.Actor, &d.Action, &d.ActivityID, &d.BeforeDeal, &d.BeforeState,
			&d.AfterDeal, &d.AfterState, &d.RuleID, &d.Detail); err != nil {
			return err
		}
		d.At = unixTime(at)
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list decisions: %w", err)
	}
	return out, nil
}
