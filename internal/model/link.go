package model

import "time"

// LinkState says where an activity stands with deals: placed by the
// matcher, waiting for a person, left out, or decided by a person.
type LinkState string

// Link states. The first four are the matcher's; the others are human
// decisions, which re-matching never changes.
const (
	// LinkAuto: the matcher linked the activity to a deal.
	LinkAuto LinkState = "auto"
	// LinkReview: several deals fit and none stood out; Candidates lists
	// them, best first, for a person to choose.
	LinkReview LinkState = "review"
	// LinkNone: no deal fits (an unknown company, a free-mail stranger,
	// no live deal, internal only). The activity is kept and re-matched
	// when deals or rules change.
	LinkNone LinkState = "none"
	// LinkIgnored: an ignore rule (from config or "always ignore") or a
	// person said it is not deal activity.
	LinkIgnored LinkState = "ignored"
	// LinkConfirmed: a person confirmed or chose the deal.
	LinkConfirmed LinkState = "confirmed"
	// LinkRejected: a person unlinked the activity; it stays unlinked.
	LinkRejected LinkState = "rejected"
	// LinkPrivate: a person marked the activity private; it is never
	// linked or shown on a deal.
	LinkPrivate LinkState = "private"
)

// Method says which step of the matching order placed an activity.
type Method string

// Link methods, in the order the matcher tries them.
const (
	MethodManual  Method = "manual"
	MethodRule    Method = "rule"
	MethodThread  Method = "thread"
	MethodContact Method = "contact"
	MethodDomain  Method = "domain"
)

// Link is where an activity stands with deals, and why.
type Link struct {
	// DealID is the linked deal; "" unless State is LinkAuto or
	// LinkConfirmed.
	DealID string    `json:"deal"`
	State  LinkState `json:"state"`
	Method Method    `json:"method,omitempty"`
	// Confidence is the matcher's certainty, 0..1 (1 for a person's
	// choice, 0 when there is no link).
	Confidence float64 `json:"confidence"`
	// Reason says in words why, e.g. "domain initech.example → Initech;
	// 2 live deals; owner Bob Rep was on the thread".
	Reason string `json:"reason"`
	// Candidates are the other deals that fitted, best first: the
	// runner-ups of an automatic link, or all choices of a review.
	Candidates []string `json:"candidates,omitempty"`
	// DecidedBy is the person who made a human decision; "" for the
	// matcher's links.
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
}

// Human reports whether a person decided this link, so that re-matching
// must leave it alone.
func (l Link) Human() bool { return l.DecidedBy != "" }

// Linked reports whether the activity is on a deal.
func (l Link) Linked() bool {
	return l.DealID != "" && (l.State == LinkAuto || l.State == LinkConfirmed)
}

// RuleKind says what a rule does with the activities it covers.
type RuleKind string

// Rule kinds.
const (
	// RuleDeal puts the covered activities on one deal.
	RuleDeal RuleKind = "deal"
	// RuleIgnore keeps the covered participants out of matching.
	RuleIgnore RuleKind = "ignore"
)

// Rule is an explicit matching rule for an address or a domain (and its
// subdomains), written by a person ("always") or by an admin.
type Rule struct {
	ID   int64
	Kind RuleKind
	// Exactly one of Address and Domain is set, lower-cased.
	Address string
	Domain  string
	// DealID is the deal of a RuleDeal.
	DealID    string
	CreatedBy string
	CreatedAt time.Time
}

// Action is what a person did to an activity's link.
type Action string

// Decision actions.
const (
	ActionConfirm  Action = "confirm"
	ActionReassign Action = "reassign"
	ActionUnlink   Action = "unlink"
	ActionPrivate  Action = "private"
	ActionIgnore   Action = "ignore"
	// ActionRule records the creation of a rule ("always").
	ActionRule Action = "rule"
)

// Decision is one audit row: who changed what, when, from and to.
type Decision struct {
	ID     int64
	At     time.Time
	Actor  string
	Action Action
	// ActivityID is 0 for a decision about a rule alone.
	ActivityID int64
	// Before and After are the activity's deal and state around the
	// change.
	BeforeDeal  string
	BeforeState LinkState
	AfterDeal   string
	AfterState  LinkState
	// RuleID names the rule the decision created, if any.
	RuleID int64
	// Detail says the rest in words (the rule, "whole thread").
	Detail string
}
