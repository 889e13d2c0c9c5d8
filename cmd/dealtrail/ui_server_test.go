package main

// The world the browser tests run against: the generated team year in a
// real Dovecot, a few messages of their own, the deals imported, users
// added and synced, all through the real binary; then `dealtrail serve`
// as a process on a free loopback port.

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/testenv"
	"github.com/dealtrail/dealtrail/internal/testenv/dovecot"
)

// hostileSubject is the subject of a customer's message that must show as
// text wherever the UI prints it.
const hostileSubject = `<script>alert("owned")</script> pricing`

// hostileSnippet starts the body of that message: markup that would run
// script if a page rendered it as HTML.
const hostileSnippet = `<img src=x onerror=alert("snippet")> see the numbers`

// hostileID is the Message-ID of that message, on Stark Advisory (D-110,
// Dave's); hostileDeal is that deal.
const (
	hostileID   = "hostile-subject@stark.example"
	hostileDeal = "D-110"
)

// uiUser is a login of the web UI.
type uiUser struct {
	person
	role, password string
}

// The users the browser logs in as: the leader, and two reps whose
// deals differ.
var (
	uiLena  = uiUser{lena, "leader", "lena-password-1"}
	uiAlice = uiUser{alice, "rep", "alice-password-1"}
	uiDave  = uiUser{dave, "rep", "dave-password-1"}
)

// hostileMail is a customer's message on Stark Advisory, in Dave's INBOX,
// whose subject and body are markup.
func hostileMail() dovecot.Message {
	date := time.Date(2025, 12, 10, 10, 30, 0, 0, time.UTC)
	raw := "Date: " + date.Format(time.RFC1123Z) + "\r\n" +
		"From: " + pepper.String() + "\r\nTo: " + dave.String() + "\r\n" +
		"Subject: " + hostileSubject + "\r\nMessage-ID: <" + hostileID + ">\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		hostileSnippet + "\r\n\r\nPepper\r\n"
	return dovecot.Message{Raw: []byte(raw), Date: date}
}

// uiWorld fills Dovecot with the team year and the hostile message,
// imports every deal, adds the users and syncs once; it returns the
// config file and the environment the binary needs.
func uiWorld(t *testing.T) (cfg string, env []string) {
	t.Helper()
	srv := dovecot.Start(t)
	env = newTeamHistory(teamHistorySeed).fill(t, srv)
	hostile := hostileMail()
	srv.Append(t, dave.user(), "INBOX", hostile.Raw, hostile.Date)

	dir := t.TempDir()
	cfg = writeMatchingConfig(t, srv, dir)
	deals := filepath.Join(dir, "deals.csv")
	if err := os.WriteFile(deals, []byte(dealsCSV(true)), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, env, "deals", "import", "-config", cfg, deals)
	for _, u := range []uiUser{uiLena, uiAlice, uiDave} {
		cmd := dealtrail(env, "users", "add", "-config", cfg, "-email", u.email, "-name", u.name, "-role", u.role)
		cmd.Stdin = strings.NewReader(u.password + "\n")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("dealtrail users add %s: %v\n%s", u.email, err, b)
		}
	}
	mustRun(t, env, "sync", "-once", "-config", cfg)
	return cfg, env
}

// servedUI is a running `dealtrail serve`.
type servedUI struct {
	base string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	proc *testenv.Proc
	out  *testenv.Buffer
}

// serveUI starts `dealtrail serve` on a free loopback port (the config
// gets its listen key) and waits until /healthz answers. A port taken
// between choosing and listening is retried with another.
func serveUI(t *testing.T, cfg string, env []string) *servedUI {
	t.Helper()
	base, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		ports, err := testenv.FreePorts(1)
		if err != nil {
			t.Fatal(err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
		if err := os.WriteFile(cfg, fmt.Appendf(bytes.Clone(base), "listen: %q\n", addr), 0o600); err != nil {
			t.Fatal(err)
		}
		s := &servedUI{base: "http://" + addr, cmd: dealtrail(env, "serve", "-config", cfg), out: &testenv.Buffer{}}
		s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
		if s.proc, err = testenv.StartProc(s.cmd); err != nil {
			t.Fatalf("start dealtrail serve: %v", err)
		}
		t.Cleanup(func() { // should the test end before the process does
			if !s.proc.WaitExit(0) {
				_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
				s.proc.WaitExit(5 * time.Second)
			}
		})
		err = s.waitHealthy(30 * time.Second)
		if err == nil {
			return s
		}
		if attempt < 3 && strings.Contains(s.out.String(), "address already in use") {
			t.Logf("port %d was taken; trying another", ports[0])
			continue
		}
		t.Fatalf("dealtrail serve did not come up: %v\n%s", err, testenv.Tail(s.out.String(), 40))
	}
}

// waitHealthy polls /healthz until it answers 200, the process exits or
// the timeout passes.
func (s *servedUI) waitHealthy(timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		resp, err := client.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.proc.Exited():
			return fmt.Errorf("it exited: %v", s.proc.Err())
		case <-deadline.C:
			return errors.New("no 200 from /healthz within " + timeout.String())
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM and checks that serve stops within 15 s with exit
// status 0, logging its stop, and that it logged no panic.
func (s *servedUI) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM to dealtrail serve: %v", err)
	}
	if !s.proc.WaitExit(15 * time.Second) {
		t.Fatalf("dealtrail serve did not stop within 15s of SIGTERM\n%s", testenv.Tail(s.out.String(), 40))
	}
	out := s.out.String()
	if err := s.proc.Err(); err != nil {
		t.Fatalf("dealtrail serve after SIGTERM: %v, want exit status 0\n%s", err, testenv.Tail(out, 40))
	}
	if !strings.Contains(out, "dealtrail stopped") {
		t.Errorf("serve did not log its stop:\n%s", testenv.Tail(out, 20))
	}
	if strings.Contains(out, "handler panicked") {
		t.Errorf("a handler panicked:\n%s", out)
	}
}

// artifactsDir is where the test run leaves its screenshots:
// $DEALTRAIL_ARTIFACTS when set, else dealtrail-artifacts/<test> in the
// system's temp directory (kept after the test, unlike t.TempDir).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DEALTRAIL_ARTIFACTS")
	if dir == "" {
		name := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_")
		dir = filepath.Join(os.TempDir(), "dealtrail-artifacts", name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts directory: %v", err)
	}
	_ = os.Remove(filepath.Join(dir, "failure.png")) // a past run's
	return dir
}
