package rosys

import (
	"context"
	"time"
)

// pinnedTimer is the control loop's timer when it keeps its P while it
// sleeps (see Config.SharedP and sleepHoldingP).
//
// Keeping the P has a price the scheduler sets: a goroutine that has not
// been through the scheduler for 10 ms is preempted by the runtime's
// monitor thread (sysmon), and a preempted goroutine that is locked to its
// thread comes back only after another thread has picked it from the run
// queue and handed it a P. That hand-over takes tens of microseconds on a
// quiet machine, but milliseconds when other processes keep every core
// busy, as the other thread is not real-time. Yielding on purpose in the
// slack after a step was tried: the hand-overs became more frequent and
// the loop stalled more under such load, not less.
type pinnedTimer struct {
	*realTimer
	// monoBase and timeBase are one instant on CLOCK_MONOTONIC and on Go's
	// clock: deadlines are converted once, and slept to absolutely.
	monoBase int64
	timeBase time.Time
}

const (
	// pinnedChunk bounds one raw sleep: cancellation is noticed within it.
	pinnedChunk = 5 * time.Millisecond
)

func newPinnedTimer(rt *realTimer) *pinnedTimer {
	mono := monoNow()
	return &pinnedTimer{realTimer: rt, monoBase: mono, timeBase: time.Now()}
}

// SleepUntil implements Timer: it sleeps until t in raw absolute sleeps
// of at most pinnedChunk, checking ctx between them, without giving up the
// goroutine's P. wake is ignored: only the control loop sleeps so.
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
		sleepHoldingP(min(deadline, now+int64(pinnedChunk)))
	}
}
