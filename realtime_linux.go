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

const prSetTimerslack = 29 // PR_SET_TIMERSLACK

// setTimerSlack sets the calling thread's timer slack to 1 ns. Linux lets
// an ordinary thread's sleeps end up to its slack late (50 µs by default,
// to batch wake-ups); a real-time thread gets none. The control loop runs
// without real-time priority where that is not permitted, and its ticks
// should not be late by design then either.
func setTimerSlack() error {
	_, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerslack, 1, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
