package linker_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/testenv/teamtest"
)

// The shared fixtures, by their short names.
var (
	day       = teamtest.Day
	mail      = teamtest.Mail
	reply     = teamtest.Reply
	changeIDs = teamtest.ChangeIDs
)

// The team of these tests sells from ourco.example. Rita and Sam each have
// a mailbox ("rep1", "rep2"); "sales" is a shared mailbox nobody owns.
const (
	rep1 = teamtest.Rep1
	rep2 = teamtest.Rep2
	// sales is the team's shared address: internal, but no deal's owner.
	sales = "sales@ourco.example"
)

// team is one dealtrail process: a store, the linker and the ingester,
// as the daemon wires them.
type team struct{ *teamtest.Team }

// newTeam opens a fresh database.
func newTeam(t *testing.T) *team {
	return openTeam(t, filepath.Join(t.TempDir(), "dealtrail.db"))
}

// openTeam opens the database at path, as a separate process would.
func openTeam(t *testing.T, path string) *team {
	t.Helper()
	return &team{teamtest.Open(t, path, teamtest.Config(nil), teamtest.Owners())}
}

// links returns the link of every stored activity by key (nil: none yet).
func (tm *team) links() map[string]*model.Link {
	tm.T.Helper()
	out := map[string]*model.Link{}
	for k, a := range tm.Activities() {
		out[k] = a.Link
	}
	return out
}

// queueLength is how many activities wait to be matched.
func (tm *team) queueLength() int {
	tm.T.Helper()
	n, err := tm.Store.QueueLength(tm.Ctx)
	if err != nil {
		tm.T.Fatal(err)
	}
	return n
}

// placed is where a link puts an activity, in the words a rep uses.
type placed = teamtest.Placed

// placement is where l puts its activity; the zero placed for no link.
var placement = teamtest.Placement

// on is an automatic link to a deal by a method.
func on(deal string, method model.Method) placed {
	return placed{Deal: deal, State: model.LinkAuto, Method: method}
}

// unlinked is the matcher's "no deal fits".
var unlinked = placed{State: model.LinkNone}

// deal is an open deal of an account, owned by a rep, entered in the CRM
// on created, with its account's domains.
func deal(id, account, owner string, created time.Time, domains ...string) model.Deal {
	return model.Deal{ID: id, Name: account + " " + id, Account: account, Owner: owner, Stage: "discovery",
		Status: model.DealOpen, Created: created, Domains: domains}
}
