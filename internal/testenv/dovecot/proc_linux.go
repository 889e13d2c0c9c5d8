//go:build linux

package dovecot

import (
	"errors"
	"os/exec"
	"syscall"
)

// signalAll sends sig to the Dovecot master and its children, the process
// group testenv.StartProc put them in. Signalling
// the master alone is not enough: it then waits up to ten seconds for the
// imap processes whose clients are still connected.
func signalAll(cmd *exec.Cmd, sig syscall.Signal) error {
	err := syscall.Kill(-cmd.Process.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// anyLeft tells whether a process of the Dovecot started by cmd is left.
func anyLeft(cmd *exec.Cmd) bool {
	err := syscall.Kill(-cmd.Process.Pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// processExists tells whether a process with this pid exists.
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
