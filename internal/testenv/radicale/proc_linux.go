//go:build linux

package radicale

import (
	"errors"
	"syscall"
)

// sysProcAttr puts Radicale in a process group of its own and has the
// kernel send it SIGTERM should the test binary die without running its
// cleanups.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// signalPID sends sig to the process pid; a process already gone is no
// error.
func signalPID(pid int, sig syscall.Signal) error {
	err := syscall.Kill(pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
