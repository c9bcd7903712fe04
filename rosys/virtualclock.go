package rosys

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"
)

// VirtualStart is the time a new VirtualClock reads: a Monday, 00:00 UTC.
var VirtualStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// settleTimeout bounds, in real time, how long Forward waits for a
// clock-driven goroutine to go back to sleep. It only fires when a loop is
// stuck (blocked outside the clock), and turns a hung test into an error.
const settleTimeout = 30 * time.Second

// VirtualClock is a Clock whose time moves only when Forward is
// called. Goroutines started with Go count as busy until they sleep on one
// of the clock's timers; Forward wakes sleepers one at a time, in time
// order, and waits for all to be asleep again before moving on.
type VirtualClock struct {
	mu      sync.Mutex
	settled *sync.Cond
	now     time.Time
	busy    int
	seq     uint64
	waiters waiterHeap
}

var _ Clock = (*VirtualClock)(nil)

// NewVirtualClock returns a clock reading VirtualStart. Tests use it
// through rosystest; `rosys replay --speedrun` runs a recorded field run on
// it.
func NewVirtualClock() *VirtualClock {
	c := &VirtualClock{now: VirtualStart}
	c.settled = sync.NewCond(&c.mu)
	return c
}

// Set moves the clock to t before anything runs on it (t may be earlier).
func (c *VirtualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Now implements Clock.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Go implements Clock.
func (c *VirtualClock) Go(fn func()) {
	c.mu.Lock()
	c.busy++
	c.mu.Unlock()
	go func() {
		defer c.done()
		fn()
	}()
}

func (c *VirtualClock) done() {
	c.mu.Lock()
	c.busy--
	c.settled.Broadcast()
	c.mu.Unlock()
}

// NewTimer implements Clock.
func (c *VirtualClock) NewTimer() Timer {
	return &virtualTimer{c: c, ch: make(chan struct{}, 1)}
}

// Forward advances the clock by d, running everything that falls due.
func (c *VirtualClock) Forward(d time.Duration) error {
	return c.ForwardUntil(func() bool { return false }, d)
}

// ForwardUntil advances the clock event by event until cond holds (checked
// whenever all loops are asleep) or d has passed. It reports whether cond
// came true.
func (c *VirtualClock) ForwardUntil(cond func() bool, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	target := c.now.Add(d)
	for {
		if err := c.settle(); err != nil {
			return err
		}
		c.mu.Unlock()
		ok := cond()
		c.mu.Lock()
		if ok {
			return nil
		}
		if len(c.waiters) == 0 || c.waiters[0].at.After(target) {
			c.now = target
			if err := c.settle(); err != nil {
				return err
			}
			return nil
		}
		w := heap.Pop(&c.waiters).(*waiter)
		if w.at.After(c.now) {
			c.now = w.at
		}
		w.popped = true
		c.busy++
		w.t.ch <- struct{}{}
	}
}

// settle waits, with c.mu held, until every clock goroutine sleeps.
func (c *VirtualClock) settle() error {
	if c.busy == 0 {
		return nil
	}
	stuck := time.AfterFunc(settleTimeout, func() {
		c.mu.Lock()
		c.settled.Broadcast()
		c.mu.Unlock()
	})
	defer stuck.Stop()
	deadline := time.Now().Add(settleTimeout)
	for c.busy > 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("virtual clock: %d clock goroutine(s) did not go back to sleep within %v (blocked outside the clock?)", c.busy, settleTimeout)
		}
		c.settled.Wait()
	}
	return nil
}

type virtualTimer struct {
	c  *VirtualClock
	ch chan struct{}
}

// SleepUntil implements Timer.
func (t *virtualTimer) SleepUntil(ctx context.Context, at time.Time, wake <-chan struct{}) error {
	c := t.c
	c.mu.Lock()
	if !at.After(c.now) {
		c.mu.Unlock()
		return ctx.Err()
	}
	c.seq++
	w := &waiter{at: at, seq: c.seq, t: t}
	heap.Push(&c.waiters, w)
	c.busy--
	c.settled.Broadcast()
	c.mu.Unlock()

	select {
	case <-t.ch: // Forward counted us busy again
		return nil
	case <-wake:
		t.cancel(w)
		return nil
	case <-ctx.Done():
		t.cancel(w)
		return ctx.Err()
	}
}

// cancel takes w off the schedule after an early wake-up. If Forward popped
// it in the meantime, its tick is consumed here instead.
func (t *virtualTimer) cancel(w *waiter) {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if w.popped {
		<-t.ch
		return
	}
	heap.Remove(&c.waiters, w.index)
	c.busy++
}

func (t *virtualTimer) Stop() {}

type waiter struct {
	at     time.Time
	seq    uint64
	t      *virtualTimer
	index  int
	popped bool
}

type waiterHeap []*waiter

func (h waiterHeap) Len() int { return len(h) }
func (h waiterHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h waiterHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waiterHeap) Push(x any) {
	w := x.(*waiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *waiterHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	return w
}
