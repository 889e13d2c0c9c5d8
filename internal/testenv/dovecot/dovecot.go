package dovecot

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
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
	// someone else between choosing it and Dovecot binding it.
	startAttempts = 5
	// readyTimeout bounds the wait for a started Dovecot to greet.
	readyTimeout = 15 * time.Second
	// stopGrace bounds the wait for Dovecot to exit after SIGTERM.
	stopGrace = time.Second
	// stopTimeout bounds the wait for Dovecot to exit after SIGKILL.
	stopTimeout = 10 * time.Second
	// doveadmTimeout bounds one doveadm run.
	doveadmTimeout = 2 * time.Minute
)

// Server is one running Dovecot. Its methods may be called from several
// goroutines at once.
type Server struct {
	dir      string // private root: config, certificates, users, homes, sockets
	conf     string // dovecot.conf
	logPath  string
	instance string // instance_name, also in every process title
	dovecot  string // path of the dovecot binary
	doveadm  string // path of the doveadm binary
	acct     accounts
	ca       *x509.Certificate
	addr     string
	tlsAddr  string

	cmd    *exec.Cmd
	proc   *testenv.Proc
	stderr *testenv.Buffer

	mu      sync.Mutex
	stopped bool
}

// Start starts a Dovecot for t on free loopback ports and registers a
// cleanup that stops it and removes its files. It skips t (or fails it,
// see testenv.Missing) when Dovecot is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	dovecotBin, doveadmBin := findBinaries()
	if dovecotBin == "" || doveadmBin == "" {
		testenv.Missing(t, "dovecot", "apt-get install dovecot-imapd")
	}
	if err := checkVersion(dovecotBin); err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	acct, err := currentAccounts()
	if err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	dir, err := makeRoot(acct)
	if err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	s := &Server{
		dir:      dir,
		conf:     filepath.Join(dir, "dovecot.conf"),
		logPath:  filepath.Join(dir, "dovecot.log"),
		instance: "dt" + filepath.Base(dir)[len("dovecot-"):],
		dovecot:  dovecotBin,
		doveadm:  doveadmBin,
		acct:     acct,
	}
	t.Cleanup(func() {
		s.Stop(t)
		if err := removeAll(s.dir); err != nil {
			t.Errorf("dovecot: removing %s: %v", s.dir, err)
		}
	})
	if err := s.prepare(); err != nil {
		t.Fatalf("dovecot: preparing %s: %v", dir, err)
	}
	began := time.Now()
	for attempt := 1; ; attempt++ {
		err := s.startOnce()
		if err == nil {
			break
		}
		if errors.Is(err, errPortTaken) && attempt < startAttempts {
			continue
		}
		s.Stop(t)
		t.Fatalf("dovecot: starting %s (attempt %d): %v%s", s.dovecot, attempt, err, s.diagnostics())
	}
	t.Logf("dovecot: started pid %d on %s (TLS %s) in %v, files in %s",
		s.cmd.Process.Pid, s.addr, s.tlsAddr, time.Since(began).Round(time.Millisecond), s.dir)
	return s
}

// Addr returns the host:port of plain IMAP, where cleartext LOGIN and
// AUTHENTICATE PLAIN are allowed and STARTTLS is offered.
func (s *Server) Addr() string { return s.addr }

// TLSAddr returns the host:port of IMAP over implicit TLS (imaps).
func (s *Server) TLSAddr() string { return s.tlsAddr }

// RootCAs returns a new pool holding the self-signed CA that issued the
// server certificate (valid for 127.0.0.1 and localhost).
func (s *Server) RootCAs() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(s.ca)
	return pool
}

// PID returns the process id of the Dovecot master process.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop stops Dovecot: SIGTERM to the master (by its PID) and its
// children, a wait for them all, SIGKILL after a timeout. Stopping twice is
// harmless; the cleanup registered by Start calls it. Clients still
// connected see their connection closed.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.cmd == nil || s.cmd.Process == nil {
		s.stopped = true
		return
	}
	s.stopped = true
	if err := s.terminate(); err != nil {
		t.Errorf("dovecot: stopping pid %d: %v", s.cmd.Process.Pid, err)
	}
}

// terminate signals Dovecot and waits until the master and its children
// are gone. They normally are within milliseconds of SIGTERM, but the
// master now and then lingers for seconds in its shutdown loop after its
// children exited: past stopGrace, SIGKILL ends the wait.
func (s *Server) terminate() error {
	if err := signalAll(s.cmd, syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	if s.waitGone(stopGrace) {
		return nil
	}
	if err := signalAll(s.cmd, syscall.SIGKILL); err != nil {
		return fmt.Errorf("SIGKILL: %w", err)
	}
	if s.waitGone(stopTimeout) {
		return nil
	}
	return fmt.Errorf("processes of group %d still running %v after SIGKILL", s.cmd.Process.Pid, stopTimeout)
}

// waitGone waits up to timeout for the master to exit and its children to
// go, and tells whether they did.
func (s *Server) waitGone(timeout time.Duration) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-s.proc.Exited():
	case <-timer.C:
		return false
	}
	ticker := time.NewTicker(5 * time.Millisecond)
	defer ticker.Stop()
	for anyLeft(s.cmd) {
		select {
		case <-ticker.C:
		case <-timer.C:
			return false
		}
	}
	return true
}

// Doveadm runs doveadm with this server's configuration and returns its
// standard output; it fails t when doveadm fails. For example
// s.Doveadm(t, "mailbox", "list", "-u", "alice").
func (s *Server) Doveadm(t testing.TB, args ...string) string {
	t.Helper()
	out, err := s.runDoveadm(args...)
	if err != nil {
		t.Fatalf("dovecot: %v%s", err, s.diagnostics())
	}
	return out
}

// runDoveadm runs doveadm -c <config> args and returns its standard output.
func (s *Server) runDoveadm(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), doveadmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.doveadm, append([]string{"-c", s.conf}, args...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("doveadm %s: %w: %s",
			strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// findBinaries returns the paths of dovecot and doveadm, or "" for a
// missing one.
func findBinaries() (dovecotBin, doveadmBin string) {
	find := func(name string, fallbacks ...string) string {
		for _, p := range fallbacks {
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p
			}
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		return ""
	}
	dovecotBin = find("dovecot", "/usr/sbin/dovecot")
	doveadmBin = find("doveadm", "/usr/bin/doveadm")
	if doveadmBin == "" && dovecotBin != "" {
		doveadmBin = find("doveadm", filepath.Join(filepath.Dir(dovecotBin), "doveadm"))
	}
	return dovecotBin, doveadmBin
}

// checkVersion fails unless the dovecot binary is version 2.3, whose
// configuration syntax this package writes (2.4 changed it).
func checkVersion(dovecotBin string) error {
	out, err := exec.Command(dovecotBin, "--version").Output()
	if err != nil {
		return fmt.Errorf("%s --version: %w", dovecotBin, err)
	}
	version := strings.TrimSpace(string(out))
	if !strings.HasPrefix(version, "2.3.") {
		return fmt.Errorf("%s is version %q; this harness writes a Dovecot 2.3 configuration (Debian 12's dovecot-imapd is 2.3.19)", dovecotBin, version)
	}
	return nil
}

// errPortTaken reports that Dovecot could not bind a chosen port.
var errPortTaken = errors.New("port already in use")

// startOnce picks ports, writes the configuration and starts Dovecot,
// waiting until it greets on both ports.
func (s *Server) startOnce() error {
	ports, err := pickPorts(2)
	if err != nil {
		return err
	}
	s.addr = net.JoinHostPort("127.0.0.1", fmt.Sprint(ports[0]))
	s.tlsAddr = net.JoinHostPort("127.0.0.1", fmt.Sprint(ports[1]))
	if err := s.writeConfig(ports[0], ports[1]); err != nil {
		return err
	}
	if err := os.Remove(s.logPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s.stderr = &testenv.Buffer{}
	s.cmd = exec.Command(s.dovecot, "-F", "-c", s.conf)
	s.cmd.Dir = s.dir
	s.cmd.Stdout = s.stderr
	s.cmd.Stderr = s.stderr
	if s.proc, err = testenv.StartProc(s.cmd); err != nil {
		return err
	}

	err = s.waitReady()
	if err == nil {
		// A service that cannot start (a chroot as non-root, say) leaves
		// the others running but makes logins hang on it.
		if line := firstLine(s.readLog(), ": Fatal: "); line != "" {
			return fmt.Errorf("a Dovecot service failed: %s", line)
		}
		return nil
	}
	select {
	case <-s.proc.Exited():
		if strings.Contains(s.readLog()+s.stderr.String(), "in use") {
			return fmt.Errorf("%w: %v", errPortTaken, err)
		}
	default:
	}
	return err
}

// waitReady waits until the plain port greets with its capabilities (so
// the login and auth processes are up) and the TLS port completes a
// handshake against RootCAs, or until Dovecot exits or readyTimeout.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	ticker := time.NewTicker(5 * time.Millisecond)
	defer ticker.Stop()
	var last error
	for {
		if last = greet(s.addr, nil, deadline); last == nil {
			tlsConf := &tls.Config{RootCAs: s.RootCAs(), ServerName: "127.0.0.1"}
			if last = greet(s.tlsAddr, tlsConf, deadline); last == nil {
				return nil
			}
		}
		select {
		case <-s.proc.Exited():
			return fmt.Errorf("dovecot exited before it was ready: %v", s.proc.Err())
		case <-ticker.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", readyTimeout, last)
		}
	}
}

// greet connects to addr (over TLS when tlsConf is set) and reads the
// greeting up to the capability line.
func greet(addr string, tlsConf *tls.Config, deadline time.Time) error {
	d := &net.Dialer{Deadline: deadline}
	var conn net.Conn
	var err error
	if tlsConf != nil {
		conn, err = tls.DialWithDialer(d, "tcp", addr, tlsConf)
	} else {
		conn, err = d.Dial("tcp", addr)
	}
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	r := bufio.NewReader(conn)
	for range 5 {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("reading greeting from %s: %w", addr, err)
		}
		switch {
		case strings.HasPrefix(line, "* OK [CAPABILITY"):
			_, _ = conn.Write([]byte("z LOGOUT\r\n"))
			return nil
		case strings.HasPrefix(line, "* OK"):
			continue // "Waiting for authentication process to respond.."
		default:
			return fmt.Errorf("unexpected greeting from %s: %q", addr, line)
		}
	}
	return fmt.Errorf("no capability greeting from %s", addr)
}

// pickPorts chooses the ports of the next start; tests replace it.
var pickPorts = testenv.FreePorts

// diagnostics returns Dovecot's stderr and the tail of its log, formatted
// to end an error message.
func (s *Server) diagnostics() string {
	var b strings.Builder
	if s.stderr != nil {
		if out := strings.TrimSpace(s.stderr.String()); out != "" {
			fmt.Fprintf(&b, "\n--- dovecot stderr ---\n%s", testenv.Tail(out, 20))
		}
	}
	if log := strings.TrimSpace(s.readLog()); log != "" {
		fmt.Fprintf(&b, "\n--- tail of %s ---\n%s", s.logPath, testenv.Tail(log, 30))
	}
	return b.String()
}

// readLog returns the whole Dovecot log, or "" when there is none yet.
func (s *Server) readLog() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	return string(b)
}

// firstLine returns the first line of text that contains substr, or "".
func firstLine(text, substr string) string {
	for line := range strings.Lines(text) {
		if strings.Contains(line, substr) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// removeAll removes dir, retrying for a while should a process (one of
// Dovecot's, a doveadm) still be writing into it.
func removeAll(dir string) error {
	ticker := time.NewTicker(50 * time.Millisecond)
	defer ticker.Stop()
	var err error
	for range 20 {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		<-ticker.C
	}
	return err
}
