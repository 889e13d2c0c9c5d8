package decision_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/decision"
	"github.com/dealtrail/dealtrail/internal/ingest"
	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/match"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// The team sells from ourco.example: Rita (mailbox "rep1") and Sam
// (mailbox "rep2"); Lena leads them.
const (
	rep1 = "rep1@ourco.example"
	rep2 = "rep2@ourco.example"
	lead = "lena@ourco.example"
)

// day is a date of 2026 at 10:00 UTC.
func day(date string) time.Time {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	return t.Add(10 * time.Hour)
}

func matchConfig() match.Config {
	return match.Config{
		Team:        model.NewTeam([]string{"ourco.example"}, []string{rep1, rep2, lead}),
		MemberNames: map[string]string{rep1: "Rita Rep", rep2: "Sam Rep", lead: "Lena Lead"},
		Lookback:    30 * 24 * time.Hour,
		Grace:       14 * 24 * time.Hour,
	}
}

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
	t   *testing.T
	ctx context.Context
	st  *store.Store
	lk  *linker.Linker
	in  *ingest.Ingester
	dc  *decision.Decider
	uid map[string]uint32 // last UID per "mailbox/folder"
	// uidValidity per "mailbox/folder"; 1 unless the server reset it.
	uidValidity map[string]uint32
}

// newTeam opens a fresh database with Acme's and Initech's deals.
func newTeam(t *testing.T) *team {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "dealtrail.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lk := linker.New(linker.Options{Store: st, Match: matchConfig(), Owners: map[string]string{"rep1": rep1, "rep2": rep2}})
	tm := &team{t: t, ctx: ctx, st: st, lk: lk, dc: decision.New(st, lk),
		in:  ingest.New(st, matchConfig().Team, lk, slog.New(slog.DiscardHandler)),
		uid: map[string]uint32{}, uidValidity: map[string]uint32{}}
	tm.importDeals(acmePlatform, acmeServices, initechRenewal)
	return tm
}

// importDeals imports deals and matches what they affect.
func (tm *team) importDeals(deals ...model.Deal) {
	tm.t.Helper()
	if _, err := tm.st.ImportDealsResult(tm.ctx, deals); err != nil {
		tm.t.Fatal(err)
	}
	if _, err := tm.lk.Drain(tm.ctx); err != nil {
		tm.t.Fatal(err)
	}
}

// deliver stores msgs as one batch of a mailbox folder through ingest.
func (tm *team) deliver(mailbox, folder string, msgs ...model.Message) {
	tm.t.Helper()
	f := mailbox + "/" + folder
	b := model.MailBatch{Mailbox: mailbox, Folder: folder, UIDValidity: max(tm.uidValidity[f], 1)}
	for _, m := range msgs {
		tm.uid[f]++
		b.Messages = append(b.Messages, model.FetchedMessage{UID: tm.uid[f], InternalDate: m.Date, Message: m})
	}
	b.LastUID = tm.uid[f]
	if err := tm.in.SaveMailBatch(tm.ctx, b); err != nil {
		tm.t.Fatal(err)
	}
}

// resetFolder is the server changing a folder's UIDVALIDITY: the next
// sync starts over with new UIDs.
func (tm *team) resetFolder(mailbox, folder string) {
	f := mailbox + "/" + folder
	tm.uidValidity[f] = max(tm.uidValidity[f], 1) + 1
	tm.uid[f] = 0
}

// apply makes a decision and fails the test if it is refused.
func (tm *team) apply(req decision.Request) decision.Outcome {
	tm.t.Helper()
	out, err := tm.dc.Apply(tm.ctx, req)
	if err != nil {
		tm.t.Fatalf("%s of activity %d by %s: %v", req.Action, req.ActivityID, req.Actor, err)
	}
	return out
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

// id is the id of the activity with this key.
func (tm *team) id(key string) int64 { return tm.activity(key).ID }

// ids returns the ids of the activities with these keys, sorted.
func (tm *team) ids(keys ...string) []int64 {
	tm.t.Helper()
	out := make([]int64, 0, len(keys))
	for _, k := range keys {
		out = append(out, tm.id(k))
	}
	slices.Sort(out)
	return out
}

// link returns the link of the activity with this key; it must have one.
func (tm *team) link(key string) model.Link {
	tm.t.Helper()
	a := tm.activity(key)
	if a.Link == nil {
		tm.t.Fatalf("%s has no link", key)
	}
	return *a.Link
}

// decisions lists the audit rows that f selects, newest first.
func (tm *team) decisions(f store.DecisionFilter) []model.Decision {
	tm.t.Helper()
	rows, err := tm.st.Decisions(tm.ctx, f)
	if err != nil {
		tm.t.Fatal(err)
	}
	return rows
}

// placed is where a link puts an activity.
type placed struct {
	deal   string
	state  model.LinkState
	method model.Method
}

func placement(l model.Link) placed { return placed{l.DealID, l.State, l.Method} }

// mail is a message from one address to others, its Message-ID the key.
func mail(key string, at time.Time, from string, to ...string) model.Message {
	m := model.Message{Key: key, MessageID: key, Date: at, Subject: "About " + key,
		Participants: []model.Participant{{Email: from, Role: model.RoleFrom}}}
	for _, addr := range to {
		m.Participants = append(m.Participants, model.Participant{Email: addr, Role: model.RoleTo})
	}
	return m
}

// reply is a message answering parent, as a mail client writes it.
func reply(parent model.Message, key string, at time.Time, from string, to ...string) model.Message {
	m := mail(key, at, from, to...)
	m.Subject = "Re: " + parent.Subject
	m.InReplyTo = parent.Key
	m.References = append(slices.Clone(parent.References), parent.Key)
	return m
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
