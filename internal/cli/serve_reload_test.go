package cli_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/cli"
	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/testenv"
	"github.com/dealtrail/dealtrail/internal/testenv/dovecot"
)

// reloadConfig writes a serve config with a mailbox per user of srv.
func reloadConfig(t *testing.T, path, extra string, srv *dovecot.Server, users ...string) {
	t.Helper()
	host, port, _ := strings.Cut(srv.Addr(), ":")
	var boxes strings.Builder
	for _, u := range users {
		fmt.Fprintf(&boxes, "  - {name: %s, owner: %s@ourco.example, host: %q, port: %s, tls: none, username: %s, password: pw-%s}\n",
			u, u, host, port, u, u)
	}
	text := "database: ./dealtrail.db\nbackfill: 0\nlog: {format: json, level: debug}\n" + extra +
		"team:\n  domains: [ourco.example]\n  members:\n    - {email: rep1@ourco.example}\n    - {email: rep2@ourco.example}\n" +
		"mailboxes:\n" + boxes.String()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// customerMessage is one message from a customer to rep.
func customerMessage(rep string, n int) dovecot.Message {
	date := time.Date(2026, 1, 5, 9, n, 0, 0, time.UTC)
	raw := fmt.Sprintf("From: Buyer <buyer@customer.example>\r\nTo: %s@ourco.example\r\nSubject: Order %d\r\n"+
		"Date: %s\r\nMessage-ID: <order-%s-%d@customer.example>\r\nContent-Type: text/plain\r\n\r\nPlease confirm.\r\n",
		rep, n, date.Format(time.RFC1123Z), rep, n)
	return dovecot.Message{Raw: []byte(raw), Date: date}
}

// waitSynced waits until the mailbox has had a successful poll.
func waitSynced(t *testing.T, st *store.Store, mailbox string, logs *testenv.Buffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		s, err := st.SourceState(context.Background(), "mailbox:"+mailbox)
		if err == nil && !s.LastSuccessAt.IsZero() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("mailbox %s not synced within 30s; logs:\n%s", mailbox, logs)
}

// waitLog waits until the logs hold n occurrences of text.
func waitLog(t *testing.T, logs *testenv.Buffer, text string, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for strings.Count(logs.String(), text) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %q (x%d) in the logs within 15s:\n%s", text, n, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeReloadsOnSIGHUP runs serve in-process against Dovecot, adds a
// mailbox to its config file, sends the process SIGHUP and checks the new
// mailbox is synced; then an invalid file changes nothing.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	srv := dovecot.Start(t)
	for _, u := range []string{"rep1", "rep2"} {
		srv.AddUser(t, u, "pw-"+u)
		srv.Fill(t, u, "INBOX", []dovecot.Message{customerMessage(u, 1), customerMessage(u, 2)})
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "dealtrail.yaml")
	reloadConfig(t, path, "poll_interval: 10s\nlisten: \"127.0.0.1:0\"\n", srv, "rep1")

	// Keep SIGHUP from ending the test binary should it arrive before
	// serve has asked for it.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, syscall.SIGHUP)
	defer signal.Stop(guard)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs testenv.Buffer
	done := make(chan int, 1)
	go func() { done <- cli.Run(ctx, []string{"serve", "-config", path}, strings.NewReader(""), &logs, &logs) }()
	waitLog(t, &logs, `"msg":"dealtrail started"`, 1)

	st, err := store.Open(context.Background(), filepath.Join(dir, "dealtrail.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	waitSynced(t, st, "rep1", &logs)

	reloadConfig(t, path, "poll_interval: 10s\nlisten: \"127.0.0.1:0\"\n", srv, "rep1", "rep2")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &logs, `"msg":"config reloaded"`, 1)
	waitSynced(t, st, "rep2", &logs)
	if !strings.Contains(logs.String(), `"msg":"poller started, source added","kind":"mailbox","source":"rep2"`) {
		t.Errorf("the added mailbox is not logged:\n%s", logs.String())
	}

	// rep1 removed, rep2's poll interval changed, listen changed.
	reloadConfig(t, path, "poll_interval: 20s\nlisten: \"127.0.0.1:1\"\n", srv, "rep2")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &logs, `"msg":"config reloaded"`, 2)
	for _, want := range []string{
		`"msg":"poller stopped, source removed","kind":"mailbox","source":"rep1"`,
		`"msg":"poller restarted, settings changed","kind":"mailbox","source":"rep2"`,
		`"msg":"config change needs a restart","key":"listen"`,
		`"added":0,"removed":1,"restarted":1,"failed":0,"running":1`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %s in the logs:\n%s", want, logs.String())
		}
	}

	// An invalid file: logged with key and line, the pollers stay.
	bad := "database: ./dealtrail.db\nteam:\n  domains: [ourco.example]\n  members:\n    - {email: rep1@ourco.example}\nmailboxes:\n  - {owner: rep1@ourco.example, host: localhost, port: 99999, tls: none, username: rep1, password: hunter2}\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &logs, `"msg":"config reload failed, keeping the running config"`, 1)
	out := logs.String()
	if !strings.Contains(out, "dealtrail.yaml:7: mailboxes[0].port") || strings.Contains(out, "hunter2") {
		t.Errorf("the reload error should name key and line and no secret:\n%s", out)
	}
	if strings.Count(out, `"msg":"config reloaded"`) != 2 || strings.Count(out, "poller stopped") != 1 {
		t.Errorf("an invalid file changed the pollers:\n%s", out)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited with %d:\n%s", code, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop within 30s:\n%s", logs.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !strings.HasPrefix(line, "{") {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
}
