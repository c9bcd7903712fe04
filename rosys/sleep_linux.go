package rosys

import (
	"errors"
	"syscall"
	"time"
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
