//go:build !linux

package radicale

import (
	"errors"
	"os"
	"syscall"
)

// signalPID sends sig to the process pid; a process already gone is no
// error.
func signalPID(pid int, sig syscall.Signal) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil
	}
	err = p.Signal(sig)
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}
