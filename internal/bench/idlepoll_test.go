package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/testenv/dovecot"
)

// teamOf returns a team of n reps at domain, rep01 to repNN.
func teamOf(n int, domain string) []person {
	team := make([]person, n)
	for i := range team {
		team[i] = person{
			name:  fmt.Sprintf("%s %s", firstNames[i%len(firstNames)], lastNames[i%len(lastNames)]),
			email: fmt.Sprintf("rep%02d@%s", i+1, domain),
		}
	}
	return team
}

// othersThan returns team without member i.
func othersThan(team []person, i int) []person {
	out := append([]person{}, team[:i]...)
	return append(out, team[i+1:]...)
}

// TestIdlePollOfTenMailboxesSendsNoFetch syncs ten small mailboxes with
// the dealtrail binary, then syncs again with nothing new: the second pass
// must succeed, store nothing more and send no FETCH at all, as counted on
// the wire by a proxy in front of Dovecot.
func TestIdlePollOfTenMailboxesSendsNoFetch(t *testing.T) {
	const users, domain = 10, "ourco.example"
	srv := dovecot.Start(t)
	bin := dealtrailBinary(t)
	dir := t.TempDir()
	team := teamOf(users, domain)
	exp := newExpectation()
	var mailboxes []mailboxConf
	for i, rep := range team {
		user := fmt.Sprintf("rep%02d", i+1)
		password := fmt.Sprintf("secret-%02d", i+1)
		srv.AddUser(t, user, password)
		g := newGenerator(mailboxSpec{
			seed:          uint64(100 + i),
			idPrefix:      user + ".",
			rep:           rep,
			colleagues:    othersThan(team, i),
			teamDomain:    domain,
			inbox:         24,
			sent:          8,
			customers:     6,
			internalShare: 1.0 / 3,
			end:           time.Date(2025, 6, 30, 17, 0, 0, 0, time.UTC),
			span:          90 * 24 * time.Hour,
		})
		e := fillMailbox(t, srv, user, g)
		exp.total += e.total
		for k, v := range e.external {
			exp.external[k] = v
		}
		mailboxes = append(mailboxes, mailboxConf{
			user:         user,
			owner:        rep.email,
			passwordFile: writeFile(t, dir, user+".password", []byte(password+"\n")),
		})
	}
	px := startProxy(t, srv.Addr())
	db := filepath.Join(dir, "dealtrail.db")
	config := filepath.Join(dir, "dealtrail.yaml")
	writeConfig(t, config, teamConf{database: db, domain: domain, members: team, port: px.port(), mailboxes: mailboxes})

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	before := px.snapshot()
	first := runDealtrail(ctx, bin, "sync", "-once", "-config", config)
	if first.err != nil {
		t.Fatalf("first sync: %v", first.err)
	}
	firstStats := px.snapshot().sub(before)
	if err := checkStore(ctx, db, exp); err != nil {
		t.Fatalf("after the first sync: %v", err)
	}
	if firstStats.fetches() == 0 {
		t.Fatalf("the first sync of %d messages sent no FETCH (commands %v): is the proxy in the way?", exp.total, firstStats.cmds)
	}

	before = px.snapshot()
	second := runDealtrail(ctx, bin, "sync", "-once", "-config", config)
	if second.err != nil {
		t.Fatalf("second sync: %v", second.err)
	}
	idle := px.snapshot().sub(before)
	t.Logf("first sync: %d messages in %d mailboxes, %v, peak RSS %d KiB, commands %v",
		exp.total, users, first.wall.Round(time.Millisecond), first.maxRSS, firstStats.cmds)
	t.Logf("idle poll: %v, %d bytes read, commands %v", second.wall.Round(time.Millisecond), idle.down, idle.cmds)
	if n := idle.fetches(); n != 0 {
		t.Errorf("the idle poll of %d mailboxes sent %d FETCH commands, want none (commands %v)", users, n, idle.cmds)
	}
	if n := idle.cmds["LOGIN"] + idle.cmds["AUTHENTICATE"]; n != users {
		t.Errorf("the idle poll logged in %d times, want %d (one per mailbox; commands %v)", n, users, idle.cmds)
	}
	if err := checkStore(ctx, db, exp); err != nil {
		t.Errorf("after the idle poll: %v", err)
	}
}
