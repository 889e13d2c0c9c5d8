package testenv

import (
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"
)

// Proc is a server process started by StartProc, whose exit is watched.
type Proc struct {
	exited chan struct{} // closed once cmd.Wait returned
	err    error         // what cmd.Wait returned; read only after exited
}

// StartProc starts cmd in a process group of its own (on Linux, whose id
// is the child's PID, and with the kernel sending it SIGTERM should the
// test binary die without running its cleanups) and watches for its exit.
func StartProc(cmd *exec.Cmd) (*Proc, error) {
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Proc{exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Exited is closed once the process has exited and been waited for.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Err returns what waiting for the process returned; call it only after
// Exited is closed.
func (p *Proc) Err() error { return p.err }

// WaitExit waits up to timeout for the process to exit and tells whether
// it did.
func (p *Proc) WaitExit(timeout time.Duration) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.exited:
		return true
	case <-timer.C:
		return false
	}
}

// FreePorts returns n distinct ports that were free on 127.0.0.1 a moment
// ago.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("choosing a free port: %w", err)
		}
		defer func() { _ = l.Close() }()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Tail returns the last n lines of text.
func Tail(text string, n int) string {
	lines := strings.Split(text, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
