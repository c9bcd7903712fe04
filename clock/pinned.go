package clock

import (
	"context"
	"runtime"
	"time"
)

// pinnedTimer is the control loop's timer when it keeps its P while it
// sleeps (see Pin and sleepHoldingP; rosys.Config.SharedP chooses it).
//
// Keeping the P has a price the scheduler sets: a goroutine that has not
// been through the scheduler for 10 ms counts as running too long, and
// the runtime's monitor thread (sysmon) preempts it. A preempted goroutine
// that is locked to its thread comes back only after another thread has
// taken its P, picked it from the run queue and handed both back: two
// cross-CPU wake-ups, 100–200 µs on an idle virtual machine, milliseconds
// when other processes keep the cores busy (that other thread is not
// real-time). The request comes at a random moment, so now and then it
// lands just before a tick and makes that tick late: at 1 kHz often
// enough to set the p99. So the timer goes through the scheduler on its
// own (runtime.Gosched) at least every yieldEvery, always at least
// yieldMargin before the next tick, which keeps the monitor from ever
// finding it running for 10 ms: the hand-back then happens in slack time.
type pinnedTimer struct {
	*realTimer
	// monoBase and timeBase are one instant on CLOCK_MONOTONIC and on Go's
	// clock: deadlines are converted once, and slept to absolutely.
	monoBase  int64
	timeBase  time.Time
	lastYield int64 // CLOCK_MONOTONIC of the last Gosched
}

const (
	// pinnedChunk bounds one raw sleep: cancellation is noticed within it.
	pinnedChunk = 5 * time.Millisecond
	// yieldEvery is below the runtime's 10 ms preemption limit
	// (forcePreemptNS), with room for a late tick.
	yieldEvery = 8 * time.Millisecond
	// yieldMargin is the least time left before a tick for a yield: room
	// for the hand-back on a loaded machine. A loop whose step leaves less
	// than this never yields, and the monitor preempts it as it does any
	// goroutine that runs for 10 ms.
	yieldMargin = 500 * time.Microsecond
)

// Pin returns a timer that sleeps like t but keeps its goroutine's P (Go's
// scheduler slot) while it sleeps, for a control loop on its own locked
// thread. Only timers of Real can be pinned: for any other timer (a
// virtual clock's) ok is false and t is returned unchanged.
func Pin(t Timer) (pinned Timer, ok bool) {
	rt, ok := t.(*realTimer)
	if !ok {
		return t, false
	}
	return newPinnedTimer(rt), true
}

func newPinnedTimer(rt *realTimer) *pinnedTimer {
	mono := monoNow()
	return &pinnedTimer{realTimer: rt, monoBase: mono, timeBase: time.Now(), lastYield: mono}
}

// SleepUntil implements Timer: it sleeps until t in raw absolute sleeps
// of at most pinnedChunk, checking ctx between them, without giving up the
// goroutine's P, and yields when one is due. wake is ignored: only the
// control loop sleeps so.
func (p *pinnedTimer) SleepUntil(ctx context.Context, t time.Time, _ <-chan struct{}) error {
	deadline := p.monoBase + int64(t.Sub(p.timeBase))
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := monoNow()
		left := deadline - now
		if left <= 0 {
			return nil
		}
		if left >= int64(yieldMargin) && now-p.lastYield >= int64(yieldEvery) {
			p.lastYield = now
			runtime.Gosched()
			continue
		}
		sleepHoldingP(min(deadline, now+int64(pinnedChunk)))
	}
}
