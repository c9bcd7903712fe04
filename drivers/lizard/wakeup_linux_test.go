package lizard

import (
	"os"
	"sync"
	"testing"
	"time"
)

// TestWakeupCoalescesSignals: signals given before wait wake it once, and
// that wait consumes them all, so the next one times out.
func TestWakeupCoalescesSignals(t *testing.T) {
	w, err := newWakeup()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	for range 3 {
		w.signal()
	}
	if woken, err := w.wait(time.Hour); !woken || err != nil {
		t.Fatalf("after three signals: woken %v, %v", woken, err)
	}
	if woken, err := w.wait(time.Millisecond); woken || err != nil {
		t.Fatalf("with no signal since: woken %v, %v (the heartbeat's timeout)", woken, err)
	}
}

// TestWakeupFromAnotherGoroutine: a waiting wait returns when another
// goroutine signals.
func TestWakeupFromAnotherGoroutine(t *testing.T) {
	w, err := newWakeup()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	type result struct {
		woken bool
		err   error
	}
	got := make(chan result, 1)
	go func() {
		woken, err := w.wait(time.Hour)
		got <- result{woken, err}
	}()
	w.signal()
	if r := <-got; !r.woken || r.err != nil {
		t.Fatalf("woken %v, %v", r.woken, r.err)
	}
}

// TestWakeupSignalAfterCloseWritesNothing: a signal after close must not
// write to the descriptor number close released, which the next open
// reuses (here a file's).
func TestWakeupSignalAfterCloseWritesNothing(t *testing.T) {
	w, err := newWakeup()
	if err != nil {
		t.Fatal(err)
	}
	old := w.fd
	w.close()
	f, err := os.CreateTemp(t.TempDir(), "reused")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fd int
	if err := rawFD(f, &fd); err != nil {
		t.Fatal(err)
	}
	if fd != old {
		t.Skipf("descriptor %d was not reused (the file got %d)", old, fd)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(w.signal)
	}
	wg.Wait()
	if st, err := f.Stat(); err != nil || st.Size() != 0 {
		t.Fatalf("after close, signals wrote %d bytes to descriptor %d, now a file (%v)", st.Size(), old, err)
	}
}

func rawFD(f *os.File, fd *int) error {
	c, err := f.SyscallConn()
	if err != nil {
		return err
	}
	return c.Control(func(u uintptr) { *fd = int(u) })
}
