//go:build !linux

package lizard

import "time"

// wakeup tells the writer goroutine that there is something to send. Off
// Linux it is a channel (see wakeup_linux.go for why Linux uses an eventfd
// instead: a woken writer can wait behind the control loop's held P).
type wakeup struct{ c chan struct{} }

func newWakeup() (*wakeup, error) { return &wakeup{c: make(chan struct{}, 1)}, nil }

func (w *wakeup) signal() {
	select {
	case w.c <- struct{}{}:
	default:
	}
}

func (w *wakeup) wait(timeout time.Duration) (bool, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-w.c:
		return true, nil
	case <-t.C:
		return false, nil
	}
}

func (w *wakeup) close() {}
