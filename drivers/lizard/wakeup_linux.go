package lizard

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// wakeup tells the writer goroutine that there is something to send. The
// control step (Drive, SafeStop) and the reader (an e-stop's zero speed)
// signal it; the writer waits on it.
//
// Why not a channel: a channel send makes the waiting writer runnable in
// the sender's own P (its "next" slot), and both senders then sit on that
// P without scheduling: the control loop sleeps holding its P
// (rosys.sleepHoldingP), the reader blocks in go.bug.st/serial's
// select(2). The writer then waited until another thread happened to
// steal it or sysmon's retake (every 20 µs to 10 ms) freed the P. Traced
// (bench -trace), that was the whole multi-millisecond tail of "command
// issued by the step → bytes at the controller". Here the writer waits in
// the network poller on an eventfd, like a socket read: the thread blocked
// in epoll_wait wakes it on an idle P, and any thread looking for work
// polls it, whoever signalled.
//
// signal is one non-blocking write(2) of 8 bytes to a kernel counter: it
// never blocks (an eventfd write only waits at a count of 2^64-2), takes no
// lock and allocates nothing, so the control step may call it. The channel
// it replaces did as much: waking a parked thread is a futex(2) call.
type wakeup struct {
	fd int      // the eventfd (non-blocking); written raw by signal
	f  *os.File // the same descriptor in the network poller, read by wait
	// busy counts signals in flight; close adds closing and waits for
	// them, so a signal never writes to a closed (and maybe reused)
	// descriptor.
	busy atomic.Int64
	one  uint64  // the count signal adds
	buf  [8]byte // wait's read buffer (one reader: the writer)
}

const closing = -1 << 40

func newWakeup() (*wakeup, error) {
	fd, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return nil, fmt.Errorf("lizard: eventfd: %w", errno)
	}
	w := &wakeup{fd: int(fd), f: os.NewFile(fd, "lizard-wakeup"), one: 1}
	// A descriptor outside the poller would block wait's thread (and its
	// P) and ignore the deadline: refuse rather than run so.
	if err := w.f.SetReadDeadline(time.Time{}); err != nil {
		_ = w.f.Close()
		return nil, fmt.Errorf("lizard: eventfd not pollable: %w", err)
	}
	return w, nil
}

// signal wakes wait (now or at its next call). Safe from any goroutine,
// also after close (then it does nothing).
func (w *wakeup) signal() {
	if w.busy.Add(1) > 0 {
		// Raw: it cannot block, so the scheduler need not know of it.
		_, _, _ = syscall.RawSyscall(syscall.SYS_WRITE, uintptr(w.fd), uintptr(unsafe.Pointer(&w.one)), 8)
	}
	w.busy.Add(-1)
}

// wait blocks until signalled (true) or for timeout (false). It consumes
// every signal given so far.
func (w *wakeup) wait(timeout time.Duration) (bool, error) {
	if err := w.f.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return false, err
	}
	_, err := w.f.Read(w.buf[:])
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return false, nil
	}
	return err == nil, err
}

// close releases the descriptor once no signal is in flight.
func (w *wakeup) close() {
	w.busy.Add(closing)
	for w.busy.Load() != closing {
		runtime.Gosched() // a signal in flight takes a microsecond
	}
	_ = w.f.Close()
}
