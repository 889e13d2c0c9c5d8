package mailsync

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/model"
	"github.com/dealtrail/dealtrail/internal/schedule"
)

func newTestWorker(t testing.TB, opts Options) *Worker {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.IOTimeout == 0 {
		opts.IOTimeout = 10 * time.Second
	}
	w, err := NewWorker(opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestPollSyncsInboxAndSent(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	base := time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)
	for i, shape := range shapes {
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, shape, base.Add(time.Duration(i)*time.Hour)), base.Add(time.Duration(i)*time.Hour))
	}
	ms.appendMsg(t, "rep1", "Sent", genMail(100, "plain", base), base)

	st := newFakeStore()
	var events []ProgressEvent
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, ms.addr, "rep1", "hunter2"), Store: st, Sink: st,
		Progress: func(e ProgressEvent) { events = append(events, e) }})
	stats, err := w.PollOnce(context.Background())
	if err != nil {
		t.Fatalf("PollOnce: %v", err)
	}
	st.check(t)
	if got := st.keysOf(w.Name(), "INBOX"); len(got) != len(shapes) {
		t.Fatalf("INBOX keys %v, want %d", got, len(shapes))
	}
	if got := st.keysOf(w.Name(), "Sent"); !slices.Equal(got, []string{keyOf(100, "plain")}) {
		t.Fatalf("Sent keys %v", got)
	}
	if stats.Fetched() != len(shapes)+1 || stats.Stored() != len(shapes)+1 || stats.Rejected() != 0 {
		t.Errorf("stats %+v", stats)
	}
	if stats.BytesRead == 0 || stats.Commands["FETCH"] == 0 || stats.Commands["LOGIN"] != 1 {
		t.Errorf("stats bytes %d commands %v", stats.BytesRead, stats.Commands)
	}
	if cp := st.folder(w.Name(), "INBOX"); cp.LastUID != uint32(len(shapes)) || cp.UIDValidity == 0 {
		t.Errorf("INBOX checkpoint %+v", cp)
	}
	if n := len(events); n == 0 || events[n-1].Done != 1 || events[n-1].Folder != "Sent" {
		t.Errorf("progress events %+v", events)
	}

	// What each shape gives.
	m, _ := st.message(keyOf(1, "alt"))
	if !strings.Contains(m.Message.Snippet, "here is the alt body text") || strings.Contains(m.Message.Snippet, "HTML alternative") {
		t.Errorf("alt snippet %q, want the text/plain part", m.Message.Snippet)
	}
	m, _ = st.message(keyOf(3, "html"))
	if !strings.Contains(m.Message.Snippet, "here is the html body text") || strings.Contains(m.Message.Snippet, "<") {
		t.Errorf("html snippet %q, want it as text", m.Message.Snippet)
	}
	m, _ = st.message(keyOf(2, "mixed"))
	if len(m.Message.Attachments) != 1 || m.Message.Attachments[0].Name != "Angebot €2.pdf" ||
		m.Message.Attachments[0].ContentType != "application/pdf" || m.Message.Attachments[0].Size < 2300 || m.Message.Attachments[0].Size > 2500 {
		t.Errorf("mixed attachments %+v, want Angebot €2.pdf of about 2400 bytes", m.Message.Attachments)
	}
	if !strings.Contains(m.Message.Snippet, "mixed body") {
		t.Errorf("mixed snippet %q", m.Message.Snippet)
	}
	m, _ = st.message(keyOf(4, "invite"))
	if len(m.Message.Calendars) != 1 || !strings.Contains(string(m.Message.Calendars[0]), "UID:ev4@acme") {
		t.Errorf("invite calendars %q", m.Message.Calendars)
	}
	m, _ = st.message(keyOf(6, "nodate"))
	if want := base.Add(6 * time.Hour); !m.Message.Date.Equal(want) {
		t.Errorf("no Date: got %v, want the internal date %v", m.Message.Date, want)
	}
	if m.Size == 0 || m.InternalDate.IsZero() || m.UID != 7 {
		t.Errorf("IMAP facts %+v", m)
	}

	// An idle poll sends no EXAMINE, SEARCH nor FETCH.
	stats, err = w.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"FETCH", "EXAMINE", "SEARCH", "LIST"} {
		if stats.Commands[c] != 0 {
			t.Errorf("idle poll sent %d %s: %v", stats.Commands[c], c, stats.Commands)
		}
	}
	if stats.Commands["STATUS"] != 2 || stats.Fetched() != 0 {
		t.Errorf("idle poll: %+v", stats)
	}
	src := st.source(w.Source())
	if src.ErrorCount != 0 || src.LastSuccessAt.IsZero() || !src.NextPollAt.After(time.Now()) {
		t.Errorf("source state %+v", src)
	}
}

func TestNewMailBetweenPollsInBatches(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	now := time.Now()
	for i := range 50 {
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, shapes[i%len(shapes)], now), now)
	}
	st := newFakeStore()
	var batches []int
	st.failSave = func(b model.MailBatch) error { batches = append(batches, len(b.Messages)); return nil }
	var events []ProgressEvent
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, ms.addr, "rep1", "hunter2"), Store: st, Sink: st, BatchSize: 8,
		Progress: func(e ProgressEvent) { events = append(events, e) }})
	if _, err := w.PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(batches, []int{8, 8, 8, 8, 8, 8, 2, 0}) { // then Sent, empty
		t.Errorf("batch sizes %v", batches)
	}
	for i := 1; i < len(events); i++ {
		if events[i].Folder == events[i-1].Folder && events[i].Done < events[i-1].Done {
			t.Errorf("progress goes back: %+v", events)
		}
	}
	for i := 50; i < 53; i++ {
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, "plain", now), now)
	}
	stats, err := w.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st.check(t)
	if stats.Fetched() != 3 || len(st.keysOf(w.Name(), "INBOX")) != 53 {
		t.Errorf("second poll fetched %d, stored %d", stats.Fetched(), len(st.keysOf(w.Name(), "INBOX")))
	}
}

func TestBackfillSearchesSince(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	now := time.Now()
	for i := range 10 {
		date := now.AddDate(0, 0, -40+4*i) // 40 days ago up to 4 days ago
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, "plain", date), date)
	}
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, ms.addr, "rep1", "hunter2"), Store: st, Sink: st, Backfill: 30 * 24 * time.Hour})
	if _, err := w.PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := st.keysOf(w.Name(), "INBOX")
	if len(got) != 7 || slices.Contains(got, keyOf(2, "plain")) || !slices.Contains(got, keyOf(3, "plain")) {
		t.Errorf("with a 30 day backfill stored %v, want messages 3 to 9", got)
	}
	if cp := st.folder(w.Name(), "INBOX"); cp.LastUID != 10 {
		t.Errorf("checkpoint %+v, want past the old messages", cp)
	}
	stats, _ := w.PollOnce(context.Background())
	if stats.Commands["EXAMINE"] != 0 {
		t.Errorf("a poll after the backfill selects again: %v", stats.Commands)
	}
}

func TestUIDValidityChangeRescans(t *testing.T) {
	ms := startMem(t)
	u := ms.addUser(t, "rep1", "hunter2")
	now := time.Now()
	for i := range 5 {
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, "plain", now), now)
	}
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, ms.addr, "rep1", "hunter2"), Store: st, Sink: st})
	ctx := context.Background()
	if _, err := w.PollOnce(ctx); err != nil {
		t.Fatal(err)
	}
	before := st.keysOf(w.Name(), "INBOX")
	old := st.folder(w.Name(), "INBOX")
	// The server rebuilds the folder: a new UIDVALIDITY, the same mail.
	if err := u.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	u.Create("INBOX", nil)
	for i := range 5 {
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, "plain", now), now)
	}
	stats, err := w.PollOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.check(t)
	if !stats.Folders[0].UIDValidityChanged || stats.Fetched() != 5 {
		t.Errorf("stats %+v", stats.Folders)
	}
	if after := st.keysOf(w.Name(), "INBOX"); !slices.Equal(before, after) {
		t.Errorf("keys after the rescan %v, want %v", after, before)
	}
	if cp := st.folder(w.Name(), "INBOX"); cp.UIDValidity == old.UIDValidity || cp.LastUID != 5 {
		t.Errorf("checkpoint %+v after %+v", cp, old)
	}
}

func TestWrongPasswordFailsOnlyThatMailbox(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	ms.addUser(t, "rep2", "hunter3")
	ms.appendMsg(t, "rep2", "INBOX", genMail(1, "plain", time.Now()), time.Now())
	st := newFakeStore()
	bad := newTestWorker(t, Options{Mailbox: mailboxAt(t, ms.addr, "rep1", "wrong-password"), Store: st, Sink: st})
	good := newTestWorker(t, Options{Mailbox: mailboxAt(t, ms.addr, "rep2", "hunter3"), Store: st, Sink: st})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { schedule.RunAll(ctx, []*Worker{bad, good}); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for (st.source(bad.Source()).ErrorCount == 0 || st.source(good.Source()).LastSuccessAt.IsZero()) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunAll did not stop")
	}
	b, g := st.source(bad.Source()), st.source(good.Source())
	if b.ErrorCount != 1 || !strings.Contains(b.LastError, "log in as rep1") || b.NextPollAt.Sub(b.LastAttemptAt) < 20*time.Second {
		t.Errorf("bad mailbox state %+v", b)
	}
	assertNoSecrets(t, b.LastError)
	if g.ErrorCount != 0 || g.Items != 1 || len(st.keysOf(good.Name(), "")) != 1 {
		t.Errorf("good mailbox state %+v", g)
	}
}

func TestSinkFailureResumes(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	now := time.Now()
	for i := range 30 {
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, "plain", now), now)
	}
	st := newFakeStore()
	fail := true
	st.failSave = func(b model.MailBatch) error {
		if fail && b.LastUID > 20 {
			return errors.New("disk full")
		}
		return nil
	}
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, ms.addr, "rep1", "hunter2"), Store: st, Sink: st, BatchSize: 10})
	if _, err := w.PollOnce(context.Background()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("PollOnce = %v, want the sink's error", err)
	}
	if cp := st.folder(w.Name(), "INBOX"); cp.LastUID != 20 {
		t.Fatalf("checkpoint %+v, want the two stored batches", cp)
	}
	fail = false
	if _, err := w.PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.check(t)
	if n := len(st.keysOf(w.Name(), "INBOX")); n != 30 {
		t.Errorf("stored %d, want 30 exactly once", n)
	}
}

func TestStopMidSync(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	now := time.Now()
	for i := range 40 {
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, "plain", now), now)
	}
	st := newFakeStore()
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	st.failSave = func(b model.MailBatch) error {
		once.Do(cancel) // stopped while the first batch is being written
		return nil
	}
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, ms.addr, "rep1", "hunter2"), Store: st, Sink: st, BatchSize: 10})
	start := time.Now()
	_, err := w.PollOnce(ctx)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf("PollOnce = %v after %v, want canceled at once", err, time.Since(start))
	}
	st.check(t)
	if cp, n := st.folder(w.Name(), "INBOX"), len(st.keysOf(w.Name(), "INBOX")); cp.LastUID != uint32(n) {
		t.Errorf("checkpoint %d but %d stored: a half batch", cp.LastUID, n)
	}
	src := st.source(w.Source())
	if src.ErrorCount != 0 || src.NextPollAt.After(time.Now()) {
		t.Errorf("a stop is not a failure: %+v", src)
	}
}

func TestHalfDeadServerTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// Greets, then never answers again.
			c.Write([]byte("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"))
			defer c.Close()
		}
	}()
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, ln.Addr().String(), "rep1", "hunter2"), Store: st, Sink: st,
		IOTimeout: 300 * time.Millisecond})
	start := time.Now()
	_, err = w.PollOnce(context.Background())
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("PollOnce = %v after %v, want a timeout", err, time.Since(start))
	}
	if !strings.Contains(err.Error(), "timeout") {
		t.Errorf("error %q does not say it timed out", err)
	}

	// And a stop is obeyed even while the server says nothing.
	w = newTestWorker(t, Options{Mailbox: mailboxAt(t, ln.Addr().String(), "rep1", "hunter2"), Store: st, Sink: st,
		IOTimeout: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := w.PollOnce(ctx); err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("PollOnce = %v after %v, want it stopped", err, time.Since(start))
	}
}

func TestLoginDisabledUsesAuthenticatePlain(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	ms.appendMsg(t, "rep1", "INBOX", genMail(1, "plain", time.Now()), time.Now())
	px := startProxy(t, ms.addr)
	disable := func(_ int, chunk []byte) []byte { // a server refusing LOGIN
		if bytes.Contains(chunk, []byte("CAPABILITY")) {
			return bytes.Replace(chunk, []byte("IMAP4rev1 "), []byte("IMAP4rev1 LOGINDISABLED "), 1)
		}
		return chunk
	}
	px.corrupt.Store(&disable)
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, px.addr(), "rep1", "hunter2"), Store: st, Sink: st})
	stats, err := w.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Commands["AUTHENTICATE"] != 1 || stats.Commands["LOGIN"] != 0 || stats.Fetched() != 1 {
		t.Errorf("commands %v, fetched %d", stats.Commands, stats.Fetched())
	}
}

func TestUnreadableMessageIsRejected(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	now := time.Now()
	ms.appendMsg(t, "rep1", "INBOX", genMail(1, "plain", now), now)
	ms.appendMsg(t, "rep1", "INBOX", []byte("X-Nothing-We-Read: 1\r\n\r\nno header we know\r\n"), now)
	ms.appendMsg(t, "rep1", "INBOX", genMail(3, "plain", now), now)
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, ms.addr, "rep1", "hunter2"), Store: st, Sink: st})
	stats, err := w.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st.check(t)
	if stats.Rejected() != 1 || stats.Stored() != 2 || len(st.rejected) != 1 {
		t.Fatalf("stats %+v, rejected %v", stats.Folders, st.rejected)
	}
	for k, reason := range st.rejected {
		if k.uid != 2 || !strings.Contains(reason, "header") {
			t.Errorf("rejected UID %d: %q", k.uid, reason)
		}
	}
	if cp := st.folder(w.Name(), "INBOX"); cp.LastUID != 3 {
		t.Errorf("checkpoint %+v", cp)
	}
}
