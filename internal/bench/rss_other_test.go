//go:build !linux

package bench

import (
	"os"
	"syscall"
)

// maxRSSKiB returns 0: the peak resident set size is only read on Linux,
// where ru_maxrss is in KiB.
func maxRSSKiB(*os.ProcessState) int64 { return 0 }

// childSysProcAttr returns nil: nothing ties the measured process to the
// helper outside Linux.
func childSysProcAttr() *syscall.SysProcAttr { return nil }
