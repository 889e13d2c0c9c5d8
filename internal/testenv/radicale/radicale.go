package radicale

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dealtrail/dealtrail/internal/testenv"
)

const (
	// startAttempts bounds the retries when a chosen port was taken by
	// someone else between choosing it and Radicale binding it.
	startAttempts = 5
	// readyTimeout bounds the wait for a started Radicale to answer.
	readyTimeout = 15 * time.Second
	// stopGrace bounds the wait for Radicale to exit after SIGTERM.
	stopGrace = 3 * time.Second
	// stopTimeout bounds the wait for Radicale to exit after SIGKILL.
	stopTimeout = 10 * time.Second
	// requestTimeout bounds one administration request (AddUser,
	// CreateCalendar, PutEvent...).
	requestTimeout = 10 * time.Second
)

// configTemplate is the whole configuration; Radicale reads no other file
// when started with -C.
const configTemplate = `[server]
hosts = %s
max_connections = 20
timeout = 30

[auth]
type = htpasswd
htpasswd_filename = %s
htpasswd_encryption = plain
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = %s

[web]
type = none

[logging]
level = info
mask_passwords = True
`

// Server is one running Radicale. Its methods may be called from several
// goroutines at once.
type Server struct {
	dir     string // private root: config, users, storage, log
	conf    string
	users   string // htpasswd file
	storage string
	logPath string
	bin     string
	addr    string

	cmd  *exec.Cmd
	proc *testenv.Proc

	mu        sync.Mutex
	passwords map[string]string
	stopped   bool
	http      *http.Client
}

// Start starts a Radicale for t on a free loopback port and registers a
// cleanup that stops it; its files live in t.TempDir. It skips t (or fails
// it, see testenv.Missing) when Radicale is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := findBinary()
	if bin == "" {
		testenv.Missing(t, "radicale", "apt-get install radicale")
	}
	if err := checkVersion(bin); err != nil {
		t.Fatalf("radicale: %v", err)
	}
	dir := t.TempDir()
	s := &Server{
		dir:       dir,
		conf:      filepath.Join(dir, "config"),
		users:     filepath.Join(dir, "users"),
		storage:   filepath.Join(dir, "collections"),
		logPath:   filepath.Join(dir, "radicale.log"),
		bin:       bin,
		passwords: map[string]string{},
		http:      &http.Client{Timeout: requestTimeout},
	}
	// Registered after t.TempDir, so it runs before the directory goes.
	t.Cleanup(func() { s.Stop(t) })
	if err := os.WriteFile(s.users, nil, 0o600); err != nil {
		t.Fatalf("radicale: %v", err)
	}
	began := time.Now()
	for attempt := 1; ; attempt++ {
		err := s.startOnce()
		if err == nil {
			break
		}
		s.kill()
		if errors.Is(err, errPortTaken) && attempt < startAttempts {
			continue
		}
		t.Fatalf("radicale: starting %s (attempt %d): %v%s", s.bin, attempt, err, s.diagnostics())
	}
	t.Logf("radicale: started pid %d on %s in %v, files in %s",
		s.cmd.Process.Pid, s.addr, time.Since(began).Round(time.Millisecond), s.dir)
	return s
}

// URL returns the server's root URL, "http://127.0.0.1:PORT/", which is
// also a CalDAV endpoint that discovery starts from.
func (s *Server) URL() string { return "http://" + s.addr + "/" }

// Addr returns the host:port Radicale listens on.
func (s *Server) Addr() string { return s.addr }

// PID returns the process id of Radicale.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Storage returns Radicale's storage folder; the collections of user u
// are under collection-root/u. Files written there directly bypass every
// check Radicale makes on a PUT.
func (s *Server) Storage() string { return s.storage }

// Stop stops Radicale: SIGTERM to its PID, a wait, SIGKILL after a grace
// period. Stopping twice is harmless; the cleanup registered by Start
// calls it.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped = true
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	if err := s.terminate(); err != nil {
		t.Errorf("radicale: stopping pid %d: %v", s.cmd.Process.Pid, err)
	}
}

// terminate signals Radicale and waits until it is gone.
func (s *Server) terminate() error {
	if err := s.signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	if s.proc.WaitExit(stopGrace) {
		return nil
	}
	if err := s.signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("SIGKILL: %w", err)
	}
	if s.proc.WaitExit(stopTimeout) {
		return nil
	}
	return fmt.Errorf("still running %v after SIGKILL", stopTimeout)
}

// kill ends a Radicale that failed to start, if it runs.
func (s *Server) kill() {
	if s.cmd == nil || s.cmd.Process == nil || s.proc == nil {
		return
	}
	_ = s.signal(syscall.SIGKILL)
	s.proc.WaitExit(stopTimeout)
}

// signal sends sig to Radicale; a process already gone is no error.
// Going through os.Process (a pidfd on Linux) never signals another
// process that reused the PID.
func (s *Server) signal(sig os.Signal) error {
	err := s.cmd.Process.Signal(sig)
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// findBinary returns the path of the radicale script, or "". The Debian
// script runs /usr/bin/python3 itself, so a python3 shim on PATH (pyenv)
// does not matter.
func findBinary() string {
	if st, err := os.Stat("/usr/bin/radicale"); err == nil && !st.IsDir() {
		return "/usr/bin/radicale"
	}
	if p, err := exec.LookPath("radicale"); err == nil {
		return p
	}
	return ""
}

// checkVersion fails unless radicale is version 3, whose configuration
// this package writes.
func checkVersion(bin string) error {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s --version: %w: %s", bin, err, strings.TrimSpace(string(out)))
	}
	version := strings.TrimSpace(string(out))
	if !strings.HasPrefix(version, "3.") {
		return fmt.Errorf("%s is version %q; this harness writes a Radicale 3 configuration (Debian 12's radicale is 3.1.8)", bin, version)
	}
	return nil
}

// errPortTaken reports that Radicale could not bind the chosen port.
var errPortTaken = errors.New("port already in use")

// startOnce picks a port, writes the configuration and starts Radicale,
// waiting until it answers HTTP.
func (s *Server) startOnce() error {
	ports, err := testenv.FreePorts(1)
	if err != nil {
		return err
	}
	s.addr = net.JoinHostPort("127.0.0.1", fmt.Sprint(ports[0]))
	conf := fmt.Sprintf(configTemplate, s.addr, s.users, s.storage)
	if err := os.WriteFile(s.conf, []byte(conf), 0o600); err != nil {
		return err
	}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	defer func() { _ = logFile.Close() }() // the child has its own copy
	s.cmd = exec.Command(s.bin, "-C", s.conf)
	s.cmd.Dir = s.dir
	s.cmd.Stdout = logFile
	s.cmd.Stderr = logFile
	if s.proc, err = testenv.StartProc(s.cmd); err != nil {
		return err
	}

	err = s.waitReady()
	if err != nil && strings.Contains(s.readLog(), "in use") {
		return fmt.Errorf("%w: %v", errPortTaken, err)
	}
	return err
}

// waitReady waits until Radicale answers an HTTP request (any status), or
// until it exits or readyTimeout.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	client := &http.Client{
		Timeout:       time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	ticker := time.NewTicker(10 * time.Millisecond)
	defer ticker.Stop()
	var last error
	for {
		resp, err := client.Get(s.URL() + ".well-known/caldav")
		if err == nil {
			_ = resp.Body.Close()
			return nil
		}
		last = err
		select {
		case <-s.proc.Exited():
			return fmt.Errorf("radicale exited before it was ready: %v", s.proc.Err())
		case <-ticker.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", readyTimeout, last)
		}
	}
}

// diagnostics returns the tail of Radicale's log, formatted to end an
// error message.
func (s *Server) diagnostics() string {
	if log := strings.TrimSpace(s.readLog()); log != "" {
		return fmt.Sprintf("\n--- tail of %s ---\n%s", s.logPath, testenv.Tail(log, 30))
	}
	return ""
}

// readLog returns Radicale's whole log, or "" when there is none yet.
func (s *Server) readLog() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	return string(b)
}
