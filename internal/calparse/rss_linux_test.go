//go:build linux

package calparse

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// peakRSSKiB returns this process's peak resident set size, VmHWM of
// /proc/self/status, in KiB. The ru_maxrss a parent reads for its child
// cannot be used: Go starts children with vfork, and Linux keeps the
// larger of the parent's peak and the child's, so a child of a big test
// process always looks as big as its parent.
func peakRSSKiB() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	_, rest, ok := bytes.Cut(status, []byte("VmHWM:"))
	if !ok {
		return 0
	}
	rest, _, _ = bytes.Cut(rest, []byte("kB"))
	n, _ := strconv.ParseInt(string(bytes.TrimSpace(rest)), 10, 64)
	return n
}

// selfCPU returns the CPU time (user and system) this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childSysProcAttr has the measured process killed when the test dies, so
// none outlives it.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
