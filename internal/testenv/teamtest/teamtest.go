// Package teamtest wires a team's store, linker and ingester as the daemon
// does, for the tests of the packages that sit on them (linker, decision),
// and builds the mail such tests deliver. It holds test helpers only.
package teamtest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/ingest"
	"github.com/dealtrail/dealtrail/internal/linker"
	"github.com/dealtrail/dealtrail/internal/match"
	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/store"
)

// The team of these tests sells from ourco.example: Rita (mailbox "rep1")
// and Sam (mailbox "rep2").
const (
	Rep1 = "rep1@ourco.example"
	Rep2 = "rep2@ourco.example"
)

// Owners maps the reps' mailboxes to them.
func Owners() map[string]string { return map[string]string{"rep1": Rep1, "rep2": Rep2} }

// Config is how the team matches: Rita, Sam and the other members of
// others (address to name), 30 days of look-back before a deal is entered,
// 14 days of grace after it closes.
func Config(others map[string]string) match.Config {
	names := map[string]string{Rep1: "Rita Rep", Rep2: "Sam Rep"}
	for addr, name := range others {
		names[addr] = name
	}
	members := make([]string, 0, len(names))
	for addr := range names {
		members = append(members, addr)
	}
	return match.Config{
		Team:        model.NewTeam([]string{"ourco.example"}, members),
		MemberNames: names,
		Lookback:    30 * 24 * time.Hour,
		Grace:       14 * 24 * time.Hour,
	}
}

// Placed is where a link puts an activity, in the words a rep uses.
type Placed struct {
	Deal   string
	State  model.LinkState
	Method model.Method
}

func (p Placed) String() string { return fmt.Sprintf("%s/%s/%s", p.Deal, p.State, p.Method) }

// Placement is where l puts its activity; the zero Placed for no link.
func Placement(l *model.Link) Placed {
	if l == nil {
		return Placed{}
	}
	return Placed{l.DealID, l.State, l.Method}
}

// Team is one dealtrail process: a store, the linker and the ingester.
type Team struct {
	T        *testing.T
	Ctx      context.Context
	Path     string // the database file
	Store    *store.Store
	Linker   *linker.Linker
	Ingester *ingest.Ingester
	// uid is the last UID handed out per "mailbox/folder".
	uid map[string]uint32
	// uidValidity per "mailbox/folder"; 1 unless ResetFolder changed it.
	uidValidity map[string]uint32
}

// Open opens the database at path, closed when t ends, and wires a linker
// matching with cfg (owners mapping mailboxes to their owners) and an
// ingester feeding it.
func Open(t *testing.T, path string, cfg match.Config, owners map[string]string) *Team {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lk := linker.New(linker.Options{Store: st, Match: cfg, Owners: owners})
	return &Team{T: t, Ctx: ctx, Path: path, Store: st, Linker: lk,
		Ingester: ingest.New(st, cfg.Team, lk, slog.New(slog.DiscardHandler)),
		uid:      map[string]uint32{}, uidValidity: map[string]uint32{}}
}

// Deliver stores msgs as one batch of a mailbox folder through the
// ingester, the way the mail sync hands them over (matched as they are
// stored), with the next UIDs of the folder.
func (tm *Team) Deliver(mailbox, folder string, msgs ...model.Message) {
	tm.T.Helper()
	f := mailbox + "/" + folder
	b := model.MailBatch{Mailbox: mailbox, Folder: folder, UIDValidity: max(tm.uidValidity[f], 1)}
	for _, m := range msgs {
		tm.uid[f]++
		b.Messages = append(b.Messages, model.FetchedMessage{UID: tm.uid[f], InternalDate: m.Date, Message: m})
	}
	b.LastUID = tm.uid[f]
	if err := tm.Ingester.SaveMailBatch(tm.Ctx, b); err != nil {
		tm.T.Fatal(err)
	}
}

// ImportDeals imports deals as the CRM import does.
func (tm *Team) ImportDeals(deals ...model.Deal) store.ImportResult {
	tm.T.Helper()
	res, err := tm.Store.ImportDeals(tm.Ctx, deals)
	if err != nil {
		tm.T.Fatal(err)
	}
	return res
}

// Drain matches what waits in the queue.
func (tm *Team) Drain() linker.Summary {
	tm.T.Helper()
	sum, err := tm.Linker.Drain(tm.Ctx)
	if err != nil {
		tm.T.Fatal(err)
	}
	return sum
}

// ResetFolder is the server changing a folder's UIDVALIDITY: the next
// Deliver starts over with new UIDs.
func (tm *Team) ResetFolder(mailbox, folder string) {
	f := mailbox + "/" + folder
	tm.uidValidity[f] = max(tm.uidValidity[f], 1) + 1
	tm.uid[f] = 0
}

// Activities returns every stored activity by key.
func (tm *Team) Activities() map[string]model.Activity {
	tm.T.Helper()
	acts, err := tm.Store.Activities(tm.Ctx)
	if err != nil {
		tm.T.Fatal(err)
	}
	out := map[string]model.Activity{}
	for _, a := range acts {
		out[a.Key] = a
	}
	return out
}

// Activity returns the stored activity with this key.
func (tm *Team) Activity(key string) model.Activity {
	tm.T.Helper()
	a, ok := tm.Activities()[key]
	if !ok {
		tm.T.Fatalf("no activity %s stored", key)
	}
	return a
}

// IDs returns the ids of the activities with these keys, sorted.
func (tm *Team) IDs(keys ...string) []int64 {
	tm.T.Helper()
	acts := tm.Activities()
	out := make([]int64, 0, len(keys))
	for _, k := range keys {
		a, ok := acts[k]
		if !ok {
			tm.T.Fatalf("no activity %s stored", k)
		}
		out = append(out, a.ID)
	}
	slices.Sort(out)
	return out
}

// Day is a date (2006-01-02) at 10:00 UTC.
func Day(date string) time.Time {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	return t.Add(10 * time.Hour)
}

// Mail is a message from one address to others, its Message-ID the key.
func Mail(key string, at time.Time, from string, to ...string) model.Message {
	m := model.Message{Key: key, MessageID: key, Date: at, Subject: "About " + key,
		Participants: []model.Participant{{Email: from, Role: model.RoleFrom}}}
	for _, addr := range to {
		m.Participants = append(m.Participants, model.Participant{Email: addr, Role: model.RoleTo})
	}
	return m
}

// Reply is a message answering parent, with In-Reply-To and References as
// a mail client writes them.
func Reply(parent model.Message, key string, at time.Time, from string, to ...string) model.Message {
	m := Mail(key, at, from, to...)
	m.Subject = "Re: " + parent.Subject
	m.InReplyTo = parent.Key
	m.References = append(slices.Clone(parent.References), parent.Key)
	return m
}

// ChangeIDs returns the activity ids of changes, sorted.
func ChangeIDs(changes []store.LinkChange) []int64 {
	var out []int64
	for _, c := range changes {
		out = append(out, c.ActivityID)
	}
	slices.Sort(out)
	return out
}
