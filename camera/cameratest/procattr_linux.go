package cameratest

import "syscall"

// procAttr puts a server in a process group of its own (killed whole)
// that the kernel kills if the test process dies first.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
