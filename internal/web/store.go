package web

import (
	"context"
	"time"

	"github.com/dealtrail/dealtrail/internal/decision"
	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// Store is what the web UI needs from the database (*store.Store).
type Store interface {
	// Users, sessions and API tokens.
	UserByEmail(ctx context.Context, email string) (model.User, string, error)
	UserByID(ctx context.Context, id int64) (model.User, error)
	Users(ctx context.Context) ([]model.User, error)
	AddUser(ctx context.Context, u model.User, passwordHash string) (model.User, error)
	UpdateUser(ctx context.Context, u model.User) error
	SetPassword(ctx context.Context, userID int64, passwordHash string) error
	CreateSession(ctx context.Context, sess store.Session) error
	SessionUser(ctx context.Context, hash string, now time.Time) (store.Session, model.User, error)
	DeleteSession(ctx context.Context, hash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
	TokenUser(ctx context.Context, hash string) (model.User, error)

	// Deals and their activities.
	DealSummaries(ctx context.Context, now time.Time) ([]store.DealSummary, error)
	DealSummary(ctx context.Context, id string, now time.Time) (store.DealSummary, error)
	DealActivities(ctx context.Context, dealID string) ([]model.Activity, error)
	Deals(ctx context.Context) ([]model.Deal, error)
	ImportDeals(ctx context.Context, deals []model.Deal) (store.ImportResult, error)
	Activity(ctx context.Context, id int64) (model.Activity, error)
	AddNote(ctx context.Context, in store.NoteInput) (model.Activity, error)

	// Review, corrections and sync state.
	ReviewQueue(ctx context.Context, q store.ReviewQuery) ([]model.Activity, int, error)
	Decisions(ctx context.Context, f store.DecisionFilter) ([]model.Decision, error)
	SourceStates(ctx context.Context) ([]model.SourceState, error)
	Outages(ctx context.Context, from, to time.Time) ([]store.Outage, error)
	LinkCounts(ctx context.Context) (map[model.LinkState]int, error)
	QueueLength(ctx context.Context) (int, error)
}

// Decider applies and previews people's corrections (*decision.Decider).
type Decider interface {
	Apply(ctx context.Context, req decision.Request) (decision.Outcome, error)
	Preview(ctx context.Context, req decision.Request) (model.Rule, []linker.Move, error)
}

// Linker re-matches what a change of deals queued, and names what an
// "always" rule would cover (*linker.Linker).
type Linker interface {
	Drain(ctx context.Context) (linker.Summary, error)
	RuleTargets(ctx context.Context, a model.Activity) (address, domain string, err error)
}
