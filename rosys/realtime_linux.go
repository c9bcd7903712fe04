package rosys

import (
	"syscall"
	"unsafe"
)

const schedFIFO = 1

// setRealtime gives the calling thread SCHED_FIFO at prio. Linux applies
// sched_setscheduler with pid 0 to the calling thread only, which is why the
// control loop locks its goroutine to its thread first.
func setRealtime(prio int) error {
	param := struct{ priority int32 }{int32(prio)}
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, 0, schedFIFO, uintptr(unsafe.Pointer(&param)))
	if errno != 0 {
		return errno
	}
	return nil
}
