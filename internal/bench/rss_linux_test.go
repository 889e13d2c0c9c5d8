//go:build linux

package bench

import (
	"os"
	"syscall"
)

// maxRSSKiB returns the peak resident set size of an exited process, in
// KiB (Linux reports ru_maxrss in KiB).
func maxRSSKiB(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}

// childSysProcAttr has the measured process killed when the measuring
// helper dies (as it does when a test times out), so none outlives it.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
