//go:build !linux

package dovecot

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// signalAll signals the Dovecot master, which passes the signal on to its
// children.
func signalAll(cmd *exec.Cmd, sig syscall.Signal) error {
	err := cmd.Process.Signal(sig)
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// anyLeft cannot see the children outside Linux; once the master has
// exited, they follow.
func anyLeft(*exec.Cmd) bool { return false }

// processExists tells whether a process with this pid exists.
func processExists(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return p.Signal(syscall.Signal(0)) == nil
}
