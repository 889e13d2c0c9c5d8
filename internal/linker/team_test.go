package linker_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/match"
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

// The team of these tests sells from ourco.example. Rita and Sam each have
// a mailbox ("rep1", "rep2"); "sales" is a shared mailbox nobody owns.
const (
	rep1 = "rep1@ourco.example"
	rep2 = "rep2@ourco.example"
	// sales is the team's shared address: internal, but no deal's owner.
	sales = "sales@ourco.example"
)

// matchConfig is how the team matches: 30 days of look-back before a deal
// is entered, 14 days of grace after it closes.
func matchConfig() match.Config {
	return match.Config{
		Team:        model.NewTeam([]string{"ourco.example"}, []string{rep1, rep2}),
		MemberNames: map[string]string{rep1: "Rita Rep", rep2: "Sam Rep"},
		Lookback:    30 * 24 * time.Hour,
		Grace:       14 * 24 * time.Hour,
	}
}

// owners maps the team's mailboxes to their owners.
var owners = map[string]string{"rep1": rep1, "rep2": rep2}

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
	return &team{teamtest.Open(t, path, matchConfig(), owners)}
}

// importDeals imports deals as the CRM import does.
func (tm *team) importDeals(deals ...model.Deal) store.ImportResult {
	tm.T.Helper()
	res, err := tm.Store.ImportDeals(tm.Ctx, deals)
	if err != nil {
		tm.T.Fatal(err)
	}
	return res
}

// drain matches what waits in the queue.
func (tm *team) drain() linker.Summary {
	tm.T.Helper()
	sum, err := tm.Linker.Drain(tm.Ctx)
	if err != nil {
		tm.T.Fatal(err)
	}
	return sum
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
type placed struct {
	deal   string
	state  model.LinkState
	method model.Method
}

func (p placed) String() string { return fmt.Sprintf("%s/%s/%s", p.deal, p.state, p.method) }

// placement is where l puts its activity; the zero placed for no link.
func placement(l *model.Link) placed {
	if l == nil {
		return placed{}
	}
	return placed{l.DealID, l.State, l.Method}
}

// on is an automatic link to a deal by a method.
func on(deal string, method model.Method) placed {
	return placed{deal, model.LinkAuto, method}
}

// unlinked is the matcher's "no deal fits".
var unlinked = placed{state: model.LinkNone}

// deal is an open deal of an account, owned by a rep, entered in the CRM
// on created, with its account's domains.
func deal(id, account, owner string, created time.Time, domains ...string) model.Deal {
	return model.Deal{ID: id, Name: account + " " + id, Account: account, Owner: owner, Stage: "discovery",
		Status: model.DealOpen, Created: created, Domains: domains}
}
