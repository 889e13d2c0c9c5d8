//go:build !linux

package bench

import "time"

// cpuSample is the CPU time used by this process and the machine; it is
// only read on Linux.
type cpuSample struct {
	self, busy, total time.Duration
	ok                bool
}

// sampleCPU returns nothing outside Linux.
func sampleCPU() cpuSample { return cpuSample{} }
