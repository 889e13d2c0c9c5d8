//go:build linux

package radicale

import (
	"errors"
	"syscall"
)

// signalPID sends sig to the process pid; a process already gone is no
// error.
func signalPID(pid int, sig syscall.Signal) error {
	err := syscall.Kill(pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
