//go:build !linux

package calparse

import (
	"syscall"
	"time"
)

// peakRSSKiB returns 0: the peak resident set size is only read on Linux.
func peakRSSKiB() int64 { return 0 }

// selfCPU returns 0: CPU time is only read on Linux.
func selfCPU() time.Duration { return 0 }

// childSysProcAttr returns nil outside Linux.
func childSysProcAttr() *syscall.SysProcAttr { return nil }
