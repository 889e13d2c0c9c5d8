package decision_test

import (
	"path/filepath"
	"testing"

	"github.com/dealtrail/dealtrail/internal/decision"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/testenv/teamtest"
)

// The shared fixtures, by their short names.
var (
	day       = teamtest.Day
	mail      = teamtest.Mail
	reply     = teamtest.Reply
	changeIDs = teamtest.ChangeIDs
)

// The team sells from ourco.example: Rita (mailbox "rep1") and Sam
// (mailbox "rep2"); Lena leads them.
const (
	rep1 = teamtest.Rep1
	rep2 = teamtest.Rep2
	lead = "lena@ourco.example"
)

// Acme buys a platform from Rita and services from Sam.
var (
	acmePlatform = model.Deal{ID: "acme-platform", Name: "Acme Platform", Account: "Acme", Owner: rep1,
		Stage: "proposal", Status: model.DealOpen, Created: day("2026-03-01"), Domains: []string{"acme.example"},
		Contacts: []string{"acme.ceo@gmail.com"}}
	acmeServices = model.Deal{ID: "acme-services", Name: "Acme Services", Account: "Acme", Owner: rep2,
		Stage: "discovery", Status: model.DealOpen, Created: day("2026-03-05"), Domains: []string{"acme.example"}}
	initechRenewal = model.Deal{ID: "initech-renewal", Name: "Initech Renewal", Account: "Initech", Owner: rep2,
		Stage: "negotiation", Status: model.DealOpen, Created: day("2026-02-01"), Domains: []string{"initech.example"}}
)

// team is the daemon's side of a decision: the store, the linker, the
// ingester and the decider, wired as in production.
type team struct {
	*teamtest.Team
	dc *decision.Decider
}

// newTeam opens a fresh database with Acme's and Initech's deals.
func newTeam(t *testing.T) *team {
	t.Helper()
	tt := teamtest.Open(t, filepath.Join(t.TempDir(), "dealtrail.db"),
		teamtest.Config(map[string]string{lead: "Lena Lead"}), teamtest.Owners())
	tm := &team{Team: tt, dc: decision.New(tt.Store, tt.Linker)}
	tm.importDeals(acmePlatform, acmeServices, initechRenewal)
	return tm
}

// importDeals imports deals and matches what they affect.
func (tm *team) importDeals(deals ...model.Deal) {
	tm.T.Helper()
	tm.ImportDeals(deals...)
	tm.Drain()
}

// apply makes a decision and fails the test if it is refused.
func (tm *team) apply(req decision.Request) decision.Outcome {
	tm.T.Helper()
	out, err := tm.dc.Apply(tm.Ctx, req)
	if err != nil {
		tm.T.Fatalf("%s of activity %d by %s: %v", req.Action, req.ActivityID, req.Actor, err)
	}
	return out
}

// id is the id of the activity with this key.
func (tm *team) id(key string) int64 { return tm.Activity(key).ID }

// link returns the link of the activity with this key; it must have one.
func (tm *team) link(key string) model.Link {
	tm.T.Helper()
	a := tm.Activity(key)
	if a.Link == nil {
		tm.T.Fatalf("%s has no link", key)
	}
	return *a.Link
}

// decisions lists the audit rows that f selects, newest first.
func (tm *team) decisions(f store.DecisionFilter) []model.Decision {
	tm.T.Helper()
	rows, err := tm.Store.Decisions(tm.Ctx, f)
	if err != nil {
		tm.T.Fatal(err)
	}
	return rows
}

// placed is where a link puts an activity.
type placed = teamtest.Placed

func placement(l model.Link) placed { return teamtest.Placement(&l) }
