//go:build linux

package bench

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuSample is the CPU time used so far by this process and by the whole
// machine, to tell the benchmark's load from other work on a shared
// machine.
type cpuSample struct {
	self, busy, total time.Duration
	ok                bool
}

// sampleCPU reads this process's CPU time (getrusage) and the machine's
// busy and total CPU time (/proc/stat, in clock ticks of 10 ms).
func sampleCPU() cpuSample {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return cpuSample{}
	}
	s := cpuSample{self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 8 || fields[0] != "cpu" {
		return s
	}
	// user nice system idle iowait irq softirq steal ...
	for i, f := range fields[1:min(len(fields), 9)] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return s
		}
		d := time.Duration(n) * 10 * time.Millisecond
		s.total += d
		if i != 3 && i != 4 {
			s.busy += d
		}
	}
	s.ok = true
	return s
}
