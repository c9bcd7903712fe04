//go:build !linux

package cameratest

import "syscall"

// procAttr puts a server in a process group of its own (killed whole).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
