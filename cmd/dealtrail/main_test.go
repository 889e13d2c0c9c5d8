package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/store"
	"github.com/dealtrail/dealtrail/internal/testenv/dovecot"
)

// binary is the dealtrail command built once for the tests that run it as
// a process.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dealtrail-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "dealtrail")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build dealtrail:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// customerMail makes n messages between a customer and rep, numbered from
// first, with Message-IDs that say their number.
func customerMail(first, n int, rep string) []dovecot.Message {
	msgs := make([]dovecot.Message, n)
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i := range msgs {
		num := first + i
		date := base.Add(time.Duration(num) * time.Minute)
		raw := fmt.Sprintf("From: Buyer %d <buyer%d@customer%d.example>\r\nTo: %s\r\nSubject: Order %d\r\n"+
			"Date: %s\r\nMessage-ID: <order-%d@customer.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
			"Please confirm order %d.\r\n", num, num, num%50, rep, num, date.Format(time.RFC1123Z), num, num)
		msgs[i] = dovecot.Message{Raw: []byte(raw), Date: date}
	}
	return msgs
}

// writeConfig writes a config for the given Dovecot users (all in the team)
// and returns its path; passwords go through the environment.
func writeConfig(t *testing.T, srv *dovecot.Server, users ...string) string {
	t.Helper()
	dir := t.TempDir()
	host, port, _ := strings.Cut(srv.Addr(), ":")
	var members, boxes strings.Builder
	for _, u := range users {
		fmt.Fprintf(&members, "    - {email: %s@ourco.example, name: %s}\n", u, u)
		fmt.Fprintf(&boxes, "  - {name: %s, owner: %s@ourco.example, host: %q, port: %s, tls: none, username: %s, password: \"${PW_%s}\"}\n",
			u, u, host, port, u, strings.ToUpper(u))
	}
	cfg := fmt.Sprintf("database: ./dealtrail.db\npoll_interval: 10s\nbackfill: 0\nteam:\n  domains: [ourco.example]\n  members:\n%smailboxes:\n%s",
		members.String(), boxes.String())
	path := filepath.Join(dir, "dealtrail.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func dealtrail(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// counts reads how many activities and sightings the database holds.
func counts(t *testing.T, db string) (activities, sightings int) {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	acts, err := st.Activities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, a := range acts {
		if keys[a.Key] {
			t.Errorf("activity %s stored twice", a.Key)
		}
		keys[a.Key] = true
		sightings += len(a.Sightings)
	}
	return len(acts), sightings
}

// waitForActivities waits until a running dealtrail has stored its first
// batch in db, failing the test after a minute.
func waitForActivities(t *testing.T, db string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(db); err != nil {
			continue
		}
		st, err := store.Open(context.Background(), db)
		if err != nil {
			continue
		}
		n, _ := st.CountActivities(context.Background())
		st.Close()
		if n > 0 {
			return
		}
	}
	t.Fatalf("no activity stored in %s within a minute", db)
}

func TestSyncKilledMidwayEndsWithEveryMessageOnce(t *testing.T) {
	srv := dovecot.Start(t)
	srv.AddUser(t, "rep1", "secret-one")
	const total = 20000
	srv.Fill(t, "rep1", "INBOX", customerMail(0, total, "rep1@ourco.example"))
	cfg := writeConfig(t, srv, "rep1")
	db := filepath.Join(filepath.Dir(cfg), "dealtrail.db")
	env := []string{"PW_REP1=secret-one"}

	sync := dealtrail(env, "sync", "-once", "-config", cfg)
	var out bytes.Buffer
	sync.Stdout, sync.Stderr = &out, &out
	if err := sync.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sync.Process.Kill() }) // should the test end before it does
	// Kill it as soon as the first batches are stored.
	waitForActivities(t, db)
	if err := sync.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	sync.Wait()
	after, _ := counts(t, db)
	if after == 0 || after >= total {
		t.Fatalf("the kill did not land mid-sync: %d of %d stored (output: %s)", after, total, out.String())
	}
	t.Logf("killed with %d of %d messages stored", after, total)

	resume := dealtrail(env, "sync", "-once", "-config", cfg)
	if b, err := resume.CombinedOutput(); err != nil {
		t.Fatalf("sync after the kill: %v\n%s", err, b)
	}
	if acts, sightings := counts(t, db); acts != total || sightings != total {
		t.Fatalf("after the restart: %d activities, %d sightings; want %d of each", acts, sightings, total)
	}
	again := dealtrail(env, "sync", "-once", "-config", cfg)
	b, err := again.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "fetched 0, stored 0") {
		t.Fatalf("a second sync should fetch nothing: %v\n%s", err, b)
	}
}

func TestSyncOnceNamesTheFailedMailboxAndSyncsTheOthers(t *testing.T) {
	srv := dovecot.Start(t)
	srv.AddUser(t, "rep1", "right-one")
	srv.AddUser(t, "rep2", "right-two")
	srv.Fill(t, "rep1", "INBOX", customerMail(0, 30, "rep1@ourco.example"))
	srv.Fill(t, "rep2", "INBOX", customerMail(100, 20, "rep2@ourco.example"))
	cfg := writeConfig(t, srv, "rep1", "rep2")
	cmd := dealtrail([]string{"PW_REP1=wrong-password", "PW_REP2=right-two"}, "sync", "-once", "-config", cfg)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "mailbox rep1:") || strings.Contains(stderr.String(), "rep2:") {
		t.Errorf("stderr should name rep1 and only rep1:\n%s", stderr.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), "wrong-password") {
		t.Errorf("the password leaked into the output")
	}
	if acts, _ := counts(t, filepath.Join(filepath.Dir(cfg), "dealtrail.db")); acts != 20 {
		t.Errorf("rep2 should still sync: %d activities, want 20", acts)
	}
}

func TestImportSyncExport(t *testing.T) {
	srv := dovecot.Start(t)
	srv.AddUser(t, "rep1", "pw")
	srv.AddUser(t, "rep2", "pw2")
	srv.Fill(t, "rep1", "INBOX", customerMail(0, 3, "rep1@ourco.example"))
	// rep1 writes to a colleague and a customer: one activity, two sightings.
	date := time.Date(2026, 1, 6, 10, 0, 0, 0, time.UTC)
	shared := []byte("From: rep1@ourco.example\r\nTo: rep2@ourco.example, buyer@customer0.example\r\n" +
		"Subject: Proposal\r\nMessage-ID: <shared@ourco.example>\r\nDate: " + date.Format(time.RFC1123Z) + "\r\n\r\nAttached.\r\n")
	srv.Append(t, "rep1", "Sent", shared, date)
	srv.Append(t, "rep2", "INBOX", shared, date)
	// Mail between colleagues only is not a deal activity.
	srv.Append(t, "rep2", "INBOX", []byte("From: rep1@ourco.example\r\nTo: rep2@ourco.example\r\n"+
		"Subject: Lunch?\r\nMessage-ID: <lunch@ourco.example>\r\n\r\nNoon?\r\n"), date)
	cfg := writeConfig(t, srv, "rep1", "rep2")
	env := []string{"PW_REP1=pw", "PW_REP2=pw2"}
	csv := filepath.Join(t.TempDir(), "deals.csv")
	os.WriteFile(csv, []byte("id,name,account,domains,contacts,owner,stage,status,amount,created,closed\n"+
		"D-1,Pilot,Customer Zero,customer0.example,,rep1@ourco.example,proposal,open,1000,2026-01-01,\n"), 0o600)
	for _, run := range []struct {
		args []string
		want string
	}{
		{[]string{"deals", "import", "-config", cfg, csv}, "1 deals created, 0 updated"},
		{[]string{"sync", "-once", "-config", cfg}, "matching: 2 on deals (0 confirmed by people), 0 to review, 2 unlinked"},
	} {
		b, err := dealtrail(env, run.args...).CombinedOutput()
		if err != nil {
			t.Fatalf("dealtrail %v: %v\n%s", run.args, err, b)
		}
		if !bytes.Contains(b, []byte(run.want)) {
			t.Errorf("dealtrail %v said:\n%s\nwant a line with %q", run.args, b, run.want)
		}
	}
	b, err := dealtrail(env, "export", "-config", cfg, "-format", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"id": "D-1"`, `"key": "order-2@customer.example"`, `"mailbox": "rep1"`, `"folder": "INBOX"`,
		`"direction": "inbound"`, `"at": "2026-01-05T09:02:00Z"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("export lacks %s:\n%s", want, b)
		}
	}
	type activity struct {
		Key       string
		Direction string
		Sightings []struct{ Mailbox, Folder string }
	}
	var doc struct {
		Deals []struct {
			ID         string
			Activities []activity
		}
		Unlinked []activity
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(acts []activity) []string {
		var out []string
		for _, a := range acts {
			out = append(out, a.Key)
		}
		return out
	}
	// customer0.example is D-1's domain; customer1 and customer2 are no
	// customers yet. The internal lunch mail is not stored at all.
	if len(doc.Deals) != 1 || !slices.Equal(keys(doc.Deals[0].Activities), []string{"order-0@customer.example", "shared@ourco.example"}) {
		t.Fatalf("deals = %+v, want D-1 with order-0 and the shared message", doc.Deals) // doc.Deals[0] is read below
	}
	if got := keys(doc.Unlinked); !slices.Equal(got, []string{"order-1@customer.example", "order-2@customer.example"}) {
		t.Errorf("unlinked = %v, want order-1 and order-2", got)
	}
	for _, a := range doc.Deals[0].Activities {
		if a.Key == "shared@ourco.example" {
			if a.Direction != "outbound" || len(a.Sightings) != 2 || a.Sightings[0].Folder != "Sent" || a.Sightings[1].Mailbox != "rep2" {
				t.Errorf("shared message: %+v, want outbound with rep1 Sent and rep2 INBOX", a)
			}
		}
	}
}

func TestServeStopsCleanlyOnSIGTERM(t *testing.T) {
	srv := dovecot.Start(t)
	srv.AddUser(t, "rep1", "pw")
	const total = 5000
	srv.Fill(t, "rep1", "INBOX", customerMail(0, total, "rep1@ourco.example"))
	cfg := writeConfig(t, srv, "rep1")
	db := filepath.Join(filepath.Dir(cfg), "dealtrail.db")
	serve := dealtrail([]string{"PW_REP1=pw"}, "serve", "-config", cfg)
	var out bytes.Buffer
	serve.Stdout, serve.Stderr = &out, &out
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.Process.Kill() }) // should the test end before it does
	// Stop it in the middle of its first sync, once a batch is stored.
	waitForActivities(t, db)
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(15 * time.Second):
		serve.Process.Kill()
		t.Fatalf("serve did not stop within 15s of SIGTERM\n%s", out.String())
	}
	if !strings.Contains(out.String(), "dealtrail stopped") {
		t.Errorf("serve did not log its stop:\n%s", out.String())
	}
	// What was stored is whole: the next pass completes it exactly once.
	if b, err := dealtrail([]string{"PW_REP1=pw"}, "sync", "-once", "-config", cfg).CombinedOutput(); err != nil {
		t.Fatalf("sync after serve stopped: %v\n%s", err, b)
	}
	if acts, sightings := counts(t, db); acts != total || sightings != total {
		t.Errorf("after stop and resync: %d activities, %d sightings; want %d", acts, sightings, total)
	}
}
