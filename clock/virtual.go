package clock

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"
)

// VirtualStart is the time a new Virtual reads: a Monday, 00:00 UTC.
var VirtualStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// settleTimeout bounds, in real time, how long Forward waits for a
// clock-driven goroutine to go back to sleep. It only fires when a loop is
// stuck (blocked outside the clock), and turns a hung test into an error.
const settleTimeout = 30 * time.Second

// Virtual is a Clock whose time moves only when Forward is
// called. Goroutines started with Go count as busy until they sleep on one
// of the clock's timers; Forward wakes sleepers one at a time, in time
// order, and waits for all to be asleep again before moving on.
//
// Early wake-ups (the wake channel of SleepUntil, or ctx) are not received
// by the sleeping goroutine itself but by the clock, under c.mu, in the
// same step that counts the goroutine busy again (see virtualwake.go).
// Otherwise Forward could observe the gap between a send on wake and the
// woken goroutine's bookkeeping, see every goroutine asleep and advance
// time before the woken one reacted: a replay would then diverge.
type Virtual struct {
	mu      sync.Mutex
	settled *sync.Cond
	now     time.Time
	busy    int
	seq     uint64
	waiters waiterHeap
	// asleep holds the sleepers that can be woken early (non-nil wake or
	// ctx.Done), in the order they went to sleep, so polls are ordered.
	asleep []*waiter

	forwarding int           // Forward calls in progress
	watching   bool          // the watcher goroutine runs (virtualwake.go)
	selecting  bool          // the watcher may have received a wake-up
	interrupt  chan struct{} // makes the watcher rebuild or stop its select
}

var _ Clock = (*Virtual)(nil)

// NewVirtual returns a clock reading VirtualStart. Tests use it
// through rosystest; `rosys replay --speedrun` runs a recorded field run on
// it.
func NewVirtual() *Virtual {
	c := &Virtual{now: VirtualStart, interrupt: make(chan struct{}, 1)}
	c.settled = sync.NewCond(&c.mu)
	return c
}

// Set moves the clock to t before anything runs on it (t may be earlier).
func (c *Virtual) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Now implements Clock.
func (c *Virtual) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Go implements Clock.
func (c *Virtual) Go(fn func()) {
	c.mu.Lock()
	c.busy++
	c.mu.Unlock()
	go func() {
		defer c.done()
		fn()
	}()
}

func (c *Virtual) done() {
	c.mu.Lock()
	c.busy--
	c.settled.Broadcast()
	c.mu.Unlock()
}

// NewTimer implements Clock.
func (c *Virtual) NewTimer() Timer {
	return &virtualTimer{c: c, ch: make(chan struct{}, 1)}
}

// Forward advances the clock by d, running everything that falls due.
func (c *Virtual) Forward(d time.Duration) error {
	return c.ForwardUntil(func() bool { return false }, d)
}

// ForwardUntil advances the clock event by event until cond holds (checked
// whenever all loops are asleep) or d has passed. It reports whether cond
// came true.
func (c *Virtual) ForwardUntil(cond func() bool, d time.Duration) error {
	c.mu.Lock()
	c.pauseWatcher()
	defer c.resumeWatcher()
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
		w := c.waiters[0]
		if w.at.After(c.now) {
			c.now = w.at
		}
		c.wakeWaiter(w, nil)
	}
}

// settle waits, with c.mu held, until every clock goroutine sleeps and no
// sleeper has an early wake-up pending. Pending wake-ups are delivered one
// at a time, in the order the sleepers went to sleep, each followed by a
// full settle, so the woken goroutines' reactions (and whatever they wake
// in turn) happen before time moves, in the same order on every run.
func (c *Virtual) settle() error {
	for {
		if err := c.waitIdle(); err != nil {
			return err
		}
		if !c.pollOne() {
			return nil
		}
	}
}

// waitIdle waits, with c.mu held, until busy is 0.
func (c *Virtual) waitIdle() error {
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
	c  *Virtual
	ch chan struct{}
}

// SleepUntil implements Timer. The goroutine waits only for its tick: the
// clock delivers it, with err set, when time reaches at (Forward) or when
// wake or ctx.Done is ready (pollOne in settle, or the watcher while no
// Forward runs), having counted the goroutine busy first.
func (t *virtualTimer) SleepUntil(ctx context.Context, at time.Time, wake <-chan struct{}) error {
	c := t.c
	c.mu.Lock()
	if err := ctx.Err(); err != nil || !at.After(c.now) {
		c.mu.Unlock()
		return err
	}
	c.seq++
	w := &waiter{at: at, seq: c.seq, t: t, wake: wake, done: ctx.Done(), ctx: ctx}
	heap.Push(&c.waiters, w)
	if w.early() {
		c.asleep = append(c.asleep, w)
		c.ensureWatcher()
	}
	c.busy--
	c.settled.Broadcast()
	c.mu.Unlock()

	<-t.ch
	return w.err
}

// wakeWaiter, with c.mu held, takes w off the schedule, counts its
// goroutine busy and hands it its tick with err as SleepUntil's result.
// t.ch has room: a goroutine sleeps on one timer at a time and consumes
// each tick before it can sleep again.
func (c *Virtual) wakeWaiter(w *waiter, err error) {
	heap.Remove(&c.waiters, w.index)
	if w.early() {
		for i, a := range c.asleep {
			if a == w {
				c.asleep = append(c.asleep[:i], c.asleep[i+1:]...)
				break
			}
		}
	}
	w.err = err
	c.busy++
	w.t.ch <- struct{}{}
}

func (t *virtualTimer) Stop() {}

type waiter struct {
	at    time.Time
	seq   uint64
	t     *virtualTimer
	index int
	wake  <-chan struct{}
	done  <-chan struct{}
	ctx   context.Context
	err   error // SleepUntil's result, set before the tick is sent
}

// early reports whether w can be woken before its time.
func (w *waiter) early() bool { return w.wake != nil || w.done != nil }

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
