package linker_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/ingest"
	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/match"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// The team of these tests sells from ourco.example. Rita and Sam each have
// a mailbox ("rep1", "rep2"); "sales" is a shared mailbox nobody owns.
const (
	rep1 = "rep1@ourco.example"
	rep2 = "rep2@ourco.example"
	// sales is the team's shared address: internal, but no deal's owner.
	sales = "sales@ourco.example"
)

// day is a date of 2026 at 10:00 UTC.
func day(date string) time.Time {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	return t.Add(10 * time.Hour)
}

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
type team struct {
	t    *testing.T
	ctx  context.Context
	path string
	st   *store.Store
	lk   *linker.Linker
	in   *ingest.Ingester
	// uid is the last UID handed out per "mailbox/folder".
	uid map[string]uint32
}

// newTeam opens a fresh database.
func newTeam(t *testing.T) *team {
	return openTeam(t, filepath.Join(t.TempDir(), "dealtrail.db"))
}

// openTeam opens the database at path, as a separate process would.
func openTeam(t *testing.T, path string) *team {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lk := linker.New(linker.Options{Store: st, Match: matchConfig(), Owners: owners})
	in := ingest.New(st, matchConfig().Team, lk, slog.New(slog.DiscardHandler))
	return &team{t: t, ctx: ctx, path: path, st: st, lk: lk, in: in, uid: map[string]uint32{}}
}

// deliver stores msgs as one batch of a mailbox folder, the way the mail
// sync hands them over (matched as they are stored, then drained).
func (tm *team) deliver(mailbox, folder string, msgs ...model.Message) {
	tm.t.Helper()
	b := model.MailBatch{Mailbox: mailbox, Folder: folder, UIDValidity: 1}
	for _, m := range msgs {
		tm.uid[mailbox+"/"+folder]++
		b.Messages = append(b.Messages, model.FetchedMessage{UID: tm.uid[mailbox+"/"+folder], InternalDate: m.Date, Message: m})
	}
	b.LastUID = tm.uid[mailbox+"/"+folder]
	if err := tm.in.SaveMailBatch(tm.ctx, b); err != nil {
		tm.t.Fatal(err)
	}
}

// importDeals imports deals as the CRM import does.
func (tm *team) importDeals(deals ...model.Deal) store.ImportResult {
	tm.t.Helper()
	res, err := tm.st.ImportDealsResult(tm.ctx, deals)
	if err != nil {
		tm.t.Fatal(err)
	}
	return res
}

// drain matches what waits in the queue.
func (tm *team) drain() linker.Summary {
	tm.t.Helper()
	sum, err := tm.lk.Drain(tm.ctx)
	if err != nil {
		tm.t.Fatal(err)
	}
	return sum
}

// activities returns every stored activity by key.
func (tm *team) activities() map[string]model.Activity {
	tm.t.Helper()
	acts, err := tm.st.Activities(tm.ctx)
	if err != nil {
		tm.t.Fatal(err)
	}
	out := map[string]model.Activity{}
	for _, a := range acts {
		out[a.Key] = a
	}
	return out
}

// activity returns the stored activity with this key.
func (tm *team) activity(key string) model.Activity {
	tm.t.Helper()
	a, ok := tm.activities()[key]
	if !ok {
		tm.t.Fatalf("no activity %s stored", key)
	}
	return a
}

// ids returns the ids of the activities with these keys, sorted.
func (tm *team) ids(keys ...string) []int64 {
	tm.t.Helper()
	acts := tm.activities()
	var out []int64
	for _, k := range keys {
		a, ok := acts[k]
		if !ok {
			tm.t.Fatalf("no activity %s stored", k)
		}
		out = append(out, a.ID)
	}
	slices.Sort(out)
	return out
}

// links returns the link of every stored activity by key (nil: none yet).
func (tm *team) links() map[string]*model.Link {
	tm.t.Helper()
	out := map[string]*model.Link{}
	for k, a := range tm.activities() {
		out[k] = a.Link
	}
	return out
}

// queueLength is how many activities wait to be matched.
func (tm *team) queueLength() int {
	tm.t.Helper()
	n, err := tm.st.QueueLength(tm.ctx)
	if err != nil {
		tm.t.Fatal(err)
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

// mail is a message from one address to others, its Message-ID the key.
func mail(key string, at time.Time, from string, to ...string) model.Message {
	m := model.Message{Key: key, MessageID: key, Date: at, Subject: "About " + key,
		Participants: []model.Participant{{Email: from, Role: model.RoleFrom}}}
	for _, addr := range to {
		m.Participants = append(m.Participants, model.Participant{Email: addr, Role: model.RoleTo})
	}
	return m
}

// reply is a message answering parent, with In-Reply-To and References as
// a mail client writes them.
func reply(parent model.Message, key string, at time.Time, from string, to ...string) model.Message {
	m := mail(key, at, from, to...)
	m.Subject = "Re: " + parent.Subject
	m.InReplyTo = parent.Key
	m.References = append(slices.Clone(parent.References), parent.Key)
	return m
}

// deal is an open deal of an account, owned by a rep, entered in the CRM
// on created, with its account's domains.
func deal(id, account, owner string, created time.Time, domains ...string) model.Deal {
	return model.Deal{ID: id, Name: account + " " + id, Account: account, Owner: owner, Stage: "discovery",
		Status: model.DealOpen, Created: created, Domains: domains}
}

// changeIDs returns the activity ids of changes, sorted.
func changeIDs(changes []store.LinkChange) []int64 {
	var out []int64
	for _, c := range changes {
		out = append(out, c.ActivityID)
	}
	slices.Sort(out)
	return out
}
