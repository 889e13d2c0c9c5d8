package mailsync

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// A server sends an unparsable FETCH response for two messages: go-imap
// closes the session on each. The batch is split until each is alone;
// one is kept without its structure, the other quarantined, and every
// other message is stored.
func TestBrokenResponsesAreBisectedAndQuarantined(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	now := time.Now()
	const n = 64
	for i := range n {
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, shapes[i%len(shapes)], now), now)
	}
	px := startProxy(t, ms.addr)
	corrupt := func(uid int, chunk []byte) []byte {
		switch uid {
		case 17: // a broken BODYSTRUCTURE, as real servers send
			return bytes.Replace(chunk, []byte("BODYSTRUCTURE ("), []byte("BODYSTRUCTURE (BROKEN "), 1)
		case 23: // broken whatever is asked
			return bytes.Replace(chunk, []byte(`INTERNALDATE "`), []byte(`INTERNALDATE BROKEN"`), 1)
		}
		return chunk
	}
	px.corrupt.Store(&corrupt)
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, px.addr(), "rep1", "hunter2"), Store: st, Sink: st})
	stats, err := w.PollOnce(context.Background())
	if err != nil {
		t.Fatalf("PollOnce: %v", err)
	}
	st.check(t)
	keys := st.keysOf(w.Name(), "INBOX")
	if len(keys) != n-1 {
		t.Fatalf("stored %d messages, want %d", len(keys), n-1)
	}
	if cp := st.folder(w.Name(), "INBOX"); cp.LastUID != n {
		t.Errorf("checkpoint %+v, want past the bad messages", cp)
	}
	var reason string
	for k, r := range st.rejected {
		if k.uid != 23 {
			t.Errorf("UID %d rejected: %s", k.uid, r)
		}
		reason = r
	}
	if !strings.Contains(reason, "could not be read") {
		t.Errorf("rejection reason %q", reason)
	}
	// UID 17 (message 16) is kept, with its header and a problem.
	m, ok := st.message(keyOf(16, shapes[16%len(shapes)]))
	if !ok || m.UID != 17 || len(m.Message.Problems) == 0 || !strings.Contains(strings.Join(m.Message.Problems, ";"), "BODYSTRUCTURE") {
		t.Errorf("UID 17: %+v", m)
	}
	if stats.Rejected() != 1 || stats.Stored() != n-1 {
		t.Errorf("stats %+v", stats.Folders)
	}
	// Bisecting costs a reconnect per split, not one per message.
	if c := px.connections(); c < 3 || c > 20 {
		t.Errorf("%d connections for two bad messages in %d", c, n)
	}
	t.Logf("%d connections, %d FETCH", px.connections(), px.count("FETCH"))
}

// The connection is cut in the middle of a FETCH: the poll fails, what
// was stored stays, and the next poll resumes where it stopped.
func TestConnectionCutMidFetchResumes(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	now := time.Now()
	const n = 60
	for i := range n {
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, "mixed", now), now)
	}
	px := startProxy(t, ms.addr)
	px.cutAfter.Store(40_000)
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, px.addr(), "rep1", "hunter2"), Store: st, Sink: st, BatchSize: 10})
	_, err := w.PollOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "connection lost") {
		t.Fatalf("PollOnce = %v, want a lost connection", err)
	}
	partial := len(st.keysOf(w.Name(), "INBOX"))
	if partial == 0 || partial == n || px.cuts.Load() != 1 {
		t.Fatalf("stored %d of %d before the cut (%d cuts)", partial, n, px.cuts.Load())
	}
	if st.source(w.Source()).ErrorCount != 1 {
		t.Errorf("state %+v", st.source(w.Source()))
	}
	px.cutAfter.Store(0)
	stats, err := w.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st.check(t)
	if got := len(st.keysOf(w.Name(), "INBOX")); got != n || stats.Fetched() != n-partial {
		t.Errorf("after resuming: %d stored, %d fetched; want %d and %d", got, stats.Fetched(), n, n-partial)
	}
}

// The server leaves out a message expunged meanwhile and answers NO: what
// arrived is kept, the missing one is found alone and recorded as
// rejected, and the checkpoint passes it.
func TestFetchNoKeepsWhatArrived(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	now := time.Now()
	for i := range 30 {
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, "alt", now), now)
	}
	px := startProxy(t, ms.addr)
	drop := func(uid int) bool { return uid == 10 }
	no := func(dropped bool) string {
		if dropped {
			return "NO [EXPUNGEISSUED] Some of the requested messages no longer exist"
		}
		return ""
	}
	px.drop.Store(&drop)
	px.fetchDone.Store(&no)
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, px.addr(), "rep1", "hunter2"), Store: st, Sink: st})
	if _, err := w.PollOnce(context.Background()); err != nil {
		t.Fatalf("PollOnce: %v", err)
	}
	st.check(t)
	if n := len(st.keysOf(w.Name(), "INBOX")); n != 29 {
		t.Errorf("stored %d, want 29", n)
	}
	if len(st.rejected) != 1 || !strings.Contains(st.rejected[sighting{w.Name(), "INBOX", st.folder(w.Name(), "INBOX").UIDValidity, 10}], "EXPUNGEISSUED") {
		t.Errorf("rejected %v, want UID 10 with the server's answer", st.rejected)
	}
	if cp := st.folder(w.Name(), "INBOX"); cp.LastUID != 30 {
		t.Errorf("checkpoint %+v", cp)
	}
	m, _ := st.message(keyOf(11, "alt"))
	if !strings.Contains(m.Message.Snippet, "alt body") {
		t.Errorf("the part fetch after a NO: snippet %q", m.Message.Snippet)
	}
}

// A server that throttles: the poll fails and the next one waits longer
// than the usual first backoff.
func TestThrottledBacksOffLonger(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	ms.appendMsg(t, "rep1", "INBOX", genMail(1, "plain", time.Now()), time.Now())
	px := startProxy(t, ms.addr)
	throttle := func(bool) string { return "NO [THROTTLED] Too many requests, slow down" }
	px.fetchDone.Store(&throttle)
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, px.addr(), "rep1", "hunter2"), Store: st, Sink: st})
	_, err := w.PollOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "THROTTLED") {
		t.Fatalf("PollOnce = %v, want THROTTLED", err)
	}
	src := st.source(w.Source())
	if wait := src.NextPollAt.Sub(src.LastAttemptAt); wait < throttleWait {
		t.Errorf("next poll in %v after throttling, want at least %v", wait, throttleWait)
	}
	if cp := st.folder(w.Name(), "INBOX"); cp.LastUID != 0 || len(st.keysOf(w.Name(), "")) != 0 {
		t.Errorf("a throttled fetch stored something: %+v", cp)
	}
}

// A server whose every FETCH response go-imap cannot read: the poll fails
// after a few messages, instead of quarantining the whole mailbox.
func TestSystematicFetchFailureFailsThePoll(t *testing.T) {
	ms := startMem(t)
	ms.addUser(t, "rep1", "hunter2")
	now := time.Now()
	for i := range 200 {
		ms.appendMsg(t, "rep1", "INBOX", genMail(i, "plain", now), now)
	}
	px := startProxy(t, ms.addr)
	corrupt := func(uid int, chunk []byte) []byte {
		if uid != 0 {
			return bytes.Replace(chunk, []byte(`INTERNALDATE "`), []byte(`INTERNALDATE BROKEN"`), 1)
		}
		return chunk
	}
	px.corrupt.Store(&corrupt)
	st := newFakeStore()
	w := newTestWorker(t, Options{Mailbox: mailboxAt(t, px.addr(), "rep1", "hunter2"), Store: st, Sink: st})
	_, err := w.PollOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "could not be fetched") {
		t.Fatalf("PollOnce = %v, want it to give up", err)
	}
	if len(st.rejected) != 0 || st.folder(w.Name(), "INBOX").LastUID != 0 {
		t.Errorf("a systematic failure quarantined messages: %v", st.rejected)
	}
	if c := px.connections(); c > 100 {
		t.Errorf("%d connections before giving up", c)
	}
	t.Logf("gave up after %d connections", px.connections())
}
