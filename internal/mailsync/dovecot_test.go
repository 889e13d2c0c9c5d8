package mailsync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/config"
	"github.com/dealtrail/dealtrail/internal/schedule"
	"github.com/dealtrail/dealtrail/internal/testenv/dovecot"
)

// fillDovecot puts n generated messages in user's folder, dated from base
// one minute apart, with message numbers from first.
func fillDovecot(t testing.TB, s *dovecot.Server, user, folder string, first, n int, base time.Time) {
	t.Helper()
	msgs := make([]dovecot.Message, n)
	for i := range msgs {
		date := base.Add(time.Duration(first+i) * time.Minute)
		msgs[i] = dovecot.Message{Raw: genMail(first+i, shapes[(first+i)%len(shapes)], date), Date: date}
	}
	s.Fill(t, user, folder, msgs)
}

func TestDovecotSync(t *testing.T) {
	s := dovecot.Start(t)
	s.AddUser(t, "rep1", "pw-rep1")
	s.AddUser(t, "rep2", "pw-rep2")
	base := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	fillDovecot(t, s, "rep1", "INBOX", 0, 300, base)
	fillDovecot(t, s, "rep1", "Sent", 1000, 40, base)
	fillDovecot(t, s, "rep2", "INBOX", 2000, 120, base)
	// rep1 writes to rep2 and an outsider: in rep1's Sent and rep2's INBOX.
	shared := []byte("From: Alice Rep <rep1@ourco.example>\r\nTo: rep2@ourco.example, buyer@acme.example\r\n" +
		"Subject: Proposal\r\nMessage-ID: <shared-1@ourco.example>\r\nDate: " + base.Format(time.RFC1123Z) +
		"\r\n\r\nHere is our proposal.\r\n")
	s.Append(t, "rep1", "Sent", shared, base)
	s.Append(t, "rep2", "INBOX", shared, base)

	st := newFakeStore()
	px := startProxy(t, s.Addr()) // to count commands on the wire
	w1 := newTestWorker(t, Options{Mailbox: mailboxAt(t, px.addr(), "rep1", "pw-rep1"), Store: st, Sink: st, BatchSize: 100})
	w2 := newTestWorker(t, Options{Mailbox: mailboxAt(t, s.Addr(), "rep2", "pw-rep2"), Store: st, Sink: st})
	ctx := context.Background()
	for _, w := range []*Worker{w1, w2} {
		stats, err := w.PollOnce(ctx)
		if err != nil {
			t.Fatalf("%s: %v", w.Name(), err)
		}
		t.Logf("%s: fetched %d in %v, %d bytes, commands %v", w.Name(), stats.Fetched(), stats.Elapsed, stats.BytesRead, stats.Commands)
	}
	st.check(t)
	if got := st.keysOf(w1.Name(), "INBOX"); len(got) != 300 {
		t.Errorf("rep1 INBOX: %d keys, want 300", len(got))
	}
	if got := st.keysOf(w1.Name(), "Sent"); len(got) != 41 {
		t.Errorf("rep1 Sent (found by SPECIAL-USE): %d keys, want 41", len(got))
	}
	if got := st.keysOf(w2.Name(), "INBOX"); len(got) != 121 {
		t.Errorf("rep2 INBOX: %d keys, want 121", len(got))
	}
	if !slices.Contains(st.keysOf(w1.Name(), "Sent"), "shared-1@ourco.example") ||
		!slices.Contains(st.keysOf(w2.Name(), "INBOX"), "shared-1@ourco.example") {
		t.Error("the message between two members is not seen in both mailboxes under one key")
	}
	m, _ := st.message(keyOf(2, "mixed"))
	if len(m.Message.Attachments) != 1 || !strings.Contains(m.Message.Snippet, "mixed body") {
		t.Errorf("a mixed message from Dovecot: %+v", m.Message)
	}
	m, _ = st.message(keyOf(4, "invite"))
	if len(m.Message.Calendars) != 1 {
		t.Errorf("an invitation from Dovecot has %d calendars", len(m.Message.Calendars))
	}

	// A second poll adds nothing and sends no FETCH, nor even a SELECT.
	px.reset()
	stats, err := w1.PollOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"FETCH", "SELECT", "EXAMINE", "SEARCH"} {
		if n := px.count(c); n != 0 {
			t.Errorf("idle poll sent %d %s on the wire", n, c)
		}
	}
	if px.count("STATUS") != 2 || stats.Fetched() != 0 {
		t.Errorf("idle poll: STATUS %d, fetched %d", px.count("STATUS"), stats.Fetched())
	}

	// New mail between polls is picked up, and only it.
	fillDovecot(t, s, "rep1", "INBOX", 300, 5, base)
	px.reset()
	stats, err = w1.PollOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.check(t)
	if stats.Fetched() != 5 || len(st.keysOf(w1.Name(), "INBOX")) != 305 || px.count("EXAMINE") != 1 {
		t.Errorf("after new mail: fetched %d, INBOX %d, EXAMINE %d", stats.Fetched(), len(st.keysOf(w1.Name(), "INBOX")), px.count("EXAMINE"))
	}

	// UIDVALIDITY reset: the folder is rescanned, no new keys appear.
	before := st.keysOf(w1.Name(), "INBOX")
	s.SetUIDValidity(t, "rep1", "INBOX", 777)
	stats, err = w1.PollOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.check(t)
	if !stats.Folders[0].UIDValidityChanged || stats.Fetched() != 305 {
		t.Errorf("after the reset: %+v", stats.Folders[0])
	}
	if after := st.keysOf(w1.Name(), "INBOX"); !slices.Equal(before, after) {
		t.Errorf("keys changed with the rescan: %d before, %d after", len(before), len(after))
	}
	if cp := st.folder(w1.Name(), "INBOX"); cp.UIDValidity != 777 || cp.LastUID != 305 {
		t.Errorf("checkpoint after the reset %+v", cp)
	}
}

func TestDovecotBackfill(t *testing.T) {
	s := dovecot.Start(t)
	s.AddUser(t, "rep1", "pw")
	now := time.Now()
	for i := range 12 {
		date := now.AddDate(0, 0, -60+5*i) // 60 days ago to 5 days ago
		s.Append(t, "rep1", "INBOX", genMail(i, "plain", date), date)
	}
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, s.Addr(), "rep1", "pw"), Store: st, Sink: st, Backfill: 30 * 24 * time.Hour})
	if _, err := w.PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := st.keysOf(w.Name(), "INBOX")
	// Days ago: 60 55 ... 30 25 ...; SINCE compares dates, so 30 days
	// ago is in.
	if len(got) != 6 || !slices.Contains(got, keyOf(6, "plain")) || slices.Contains(got, keyOf(5, "plain")) {
		t.Errorf("backfill of 30 days stored %v", got)
	}
	if cp := st.folder(w.Name(), "INBOX"); cp.LastUID != 12 {
		t.Errorf("checkpoint %+v", cp)
	}
}

func TestDovecotConnectionCutMidFetch(t *testing.T) {
	s := dovecot.Start(t)
	s.AddUser(t, "rep1", "pw")
	base := time.Now().Add(-time.Hour)
	fillDovecot(t, s, "rep1", "INBOX", 0, 3000, base)
	px := startProxy(t, s.Addr())
	px.cutAfter.Store(2_000_000)
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, px.addr(), "rep1", "pw"), Store: st, Sink: st, BatchSize: 250})
	_, err := w.PollOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "connection lost") {
		t.Fatalf("PollOnce = %v, want a lost connection", err)
	}
	partial := len(st.keysOf(w.Name(), "INBOX"))
	if partial == 0 || partial >= 3000 {
		t.Fatalf("%d stored before the cut", partial)
	}
	px.cutAfter.Store(0)
	if _, err := w.PollOnce(context.Background()); err != nil {
		t.Fatalf("the poll after the cut: %v", err)
	}
	st.check(t) // every UID once, in order
	if got := len(st.keysOf(w.Name(), "INBOX")); got != 3000 {
		t.Errorf("%d stored, want 3000 exactly once", got)
	}
	t.Logf("%d stored before the cut", partial)
}

func TestDovecotWrongPassword(t *testing.T) {
	s := dovecot.Start(t)
	s.AddUser(t, "rep1", "right")
	s.AddUser(t, "rep2", "pw")
	s.Append(t, "rep2", "INBOX", genMail(1, "plain", time.Now()), time.Now())
	st := newFakeStore()
	bad := newTestWorker(t, Options{Mailbox: mailboxAt(t, s.Addr(), "rep1", "wrong-password"), Store: st, Sink: st})
	good := newTestWorker(t, Options{Mailbox: mailboxAt(t, s.Addr(), "rep2", "pw"), Store: st, Sink: st})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { schedule.RunAll(ctx, []*Worker{bad, good}); close(done) }()
	deadline := time.Now().Add(20 * time.Second)
	for (st.source(bad.Source()).ErrorCount == 0 || st.source(good.Source()).LastSuccessAt.IsZero()) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	b := st.source(bad.Source())
	if b.ErrorCount != 1 || !strings.Contains(b.LastError, "AUTHENTICATIONFAILED") {
		t.Errorf("bad mailbox: %+v", b)
	}
	assertNoSecrets(t, b.LastError)
	if g := st.source(good.Source()); g.ErrorCount != 0 || g.Items != 1 {
		t.Errorf("good mailbox: %+v", g)
	}
}

func TestDovecotTLS(t *testing.T) {
	s := dovecot.Start(t)
	s.AddUser(t, "rep1", "pw")
	s.Append(t, "rep1", "INBOX", genMail(1, "alt", time.Now()), time.Now())
	for _, tc := range []struct {
		mode, addr string
	}{
		{config.TLSImplicit, s.TLSAddr()},
		{config.TLSStartTLS, s.Addr()},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			mb := mailboxAt(t, tc.addr, "rep1", "pw")
			mb.TLS = tc.mode
			st := newFakeStore()
			w := newTestWorker(t, Options{Mailbox: mb, Store: st, Sink: st, TLSConfig: &tls.Config{RootCAs: s.RootCAs()}})
			stats, err := w.PollOnce(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if stats.Fetched() != 1 || len(st.keysOf(w.Name(), "INBOX")) != 1 {
				t.Errorf("over %s: %+v", tc.mode, stats)
			}
			// Without the test CA the server is not trusted.
			w = newTestWorker(t, Options{Mailbox: mb, Store: st, Sink: st, TLSConfig: &tls.Config{RootCAs: x509.NewCertPool()}})
			if _, err := w.PollOnce(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("an untrusted server: %v", err)
			}
		})
	}
}

// A real server's FETCH response for one message is mangled on its way:
// the batch is bisected and that message quarantined.
func TestDovecotBrokenResponse(t *testing.T) {
	s := dovecot.Start(t)
	s.AddUser(t, "rep1", "pw")
	fillDovecot(t, s, "rep1", "INBOX", 0, 500, time.Now().Add(-time.Hour))
	px := startProxy(t, s.Addr())
	corrupt := func(uid int, chunk []byte) []byte {
		if uid == 321 {
			return []byte(strings.Replace(string(chunk), "BODYSTRUCTURE (", "BODYSTRUCTURE (BROKEN ", 1))
		}
		if uid == 123 {
			return []byte(strings.Replace(string(chunk), `INTERNALDATE "`, `INTERNALDATE BROKEN"`, 1))
		}
		return chunk
	}
	px.corrupt.Store(&corrupt)
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, px.addr(), "rep1", "pw"), Store: st, Sink: st})
	stats, err := w.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st.check(t)
	if got := len(st.keysOf(w.Name(), "INBOX")); got != 499 || stats.Rejected() != 1 {
		t.Errorf("stored %d, rejected %d; want 499 and 1", got, stats.Rejected())
	}
	if _, ok := st.rejected[sighting{w.Name(), "INBOX", st.folder(w.Name(), "INBOX").UIDValidity, 123}]; !ok {
		t.Errorf("UID 123 not quarantined: %v", st.rejected)
	}
	t.Logf("%d connections, %d FETCH", px.connections(), px.count("FETCH"))
	if c := px.connections(); c > 25 {
		t.Errorf("%d connections to find two bad messages", c)
	}
	_ = fmt.Sprint()
}
