//go:build linux

package testenv

import "syscall"

// sysProcAttr puts the child in a process group of its own (its id is the
// child's PID), so that it and its children can be signalled at once, and
// has the kernel send it SIGTERM should the test binary die without
// running its cleanups (a timeout, a kill). Go never ends the unlocked
// thread that starts it, so that signal does not come early.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
