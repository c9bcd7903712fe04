package clock

import (
	"errors"
	"syscall"
	"time"
	"unsafe"
)

// sleepPrecise blocks the calling thread for d with nanosleep(2), resuming
// after signals (the Go runtime sends SIGURG for preemption).
func sleepPrecise(d time.Duration) {
	if d <= 0 {
		return
	}
	ts := syscall.NsecToTimespec(int64(d))
	for {
		var rem syscall.Timespec
		err := syscall.Nanosleep(&ts, &rem)
		if !errors.Is(err, syscall.EINTR) {
			return
		}
		ts = rem
	}
}

const (
	clockMonotonic = 1 // CLOCK_MONOTONIC: the clock of Go's monotonic readings
	timerAbstime   = 1 // TIMER_ABSTIME
)

// monoNow reads CLOCK_MONOTONIC.
func monoNow() int64 {
	var ts syscall.Timespec
	_, _, _ = syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// sleepHoldingP blocks the thread until CLOCK_MONOTONIC reaches deadline
// (nanoseconds) with a raw clock_nanosleep on that absolute time, as
// cyclictest does: a wake-up that is late, or a preemption between reading
// the clock and sleeping, does not shift the deadline. Unlike
// syscall.Syscall it does not tell the Go scheduler, so the goroutine keeps
// its P and, waking, runs at once. Returning from an ordinary blocking call
// needs a free P, and under CPU load (a backup encoding modules, the
// garbage collector's mark workers) none may be free until the scheduler's
// 10 ms preemption tick: measured, that turned the loaded control loop's
// p99 into 10 ms. A signal (the runtime's preemption request) ends the
// sleep early with EINTR; the caller loops, and its next function call lets
// a stop-the-world proceed.
func sleepHoldingP(deadline int64) {
	ts := syscall.NsecToTimespec(deadline)
	_, _, _ = syscall.RawSyscall6(syscall.SYS_CLOCK_NANOSLEEP, clockMonotonic, timerAbstime, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
}
