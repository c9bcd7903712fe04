package clock

import "reflect"

// Early wake-ups on the Virtual.
//
// Why the sleeper does not select on wake itself: a send to a goroutine
// blocked in select hands the value over directly, leaving nothing in the
// channel, and that goroutine counted itself busy only once it ran again.
// In between, Forward saw busy == 0, took everything for settled and moved
// time on before the woken goroutine reacted, so the same run could send
// different commands at different virtual times (replays diverged).
//
// So the clock consumes wake-ups itself, always with c.mu held from the
// receive until the sleeper is counted busy and has its tick:
//
//   - During Forward, settle polls every early-wakeable sleeper with a
//     non-blocking receive whenever busy reaches 0 (pollOne). A value sent
//     by a clock goroutine is therefore seen before time can move: the
//     sender is busy until it sleeps, and the poll runs after that. Polls
//     go in the order the sleepers went to sleep and wake one sleeper at a
//     time, so the outcome does not depend on scheduling.
//   - While no Forward runs, nothing else would notice a wake (an HTTP
//     handler's PUT waking the backup loop while a test waits on a
//     channel, or ctx cancelled at shutdown). A watcher goroutine covers
//     that: it blocks in reflect.Select over the pending wake and ctx.Done
//     channels and, having received, takes c.mu and wakes the sleeper. It
//     runs only while sleepers can be woken early and no Forward is in
//     progress: Forward stops it first and waits until it has handed over
//     anything it already received (pauseWatcher), so during Forward the
//     polls are the only consumer (the watcher selects only while
//     forwarding is 0, and checks that under c.mu). It exits when nobody is left to watch,
//     so a finished test leaves no goroutine behind.
//
// Channel kinds: a buffered channel with a non-blocking send (Store.
// Requests, Mirror.Wake, Arbiter.Tripped) keeps the value until a poll or
// the watcher takes it; a closed channel (the automator's changed, the
// path driver's done) is ready for every sleeper on it, each woken in
// turn. Several sleepers on one channel: each value wakes the first of
// them that went to sleep, as a poll finds it first, and the watcher hands
// it to that one too. An unbuffered channel whose sender is a clock
// goroutine blocking in the send would deadlock (the sender stays busy, so
// no poll runs) and Forward reports it after settleTimeout; none is used,
// and a sender outside the clock is fine. ctx is checked before wake, so a
// cancelled sleeper gets ctx.Err() whatever else is ready. Real is
// untouched by all this.

// pollOne, with c.mu held and busy == 0, wakes the first sleeper (in
// sleep order) whose ctx is done or whose wake channel delivers a value.
// It reports whether it woke one.
func (c *Virtual) pollOne() bool {
	for _, w := range c.asleep {
		select {
		case <-w.done:
			c.wakeWaiter(w, w.ctx.Err())
			return true
		default:
		}
		select {
		case <-w.wake:
			c.wakeWaiter(w, nil)
			return true
		default:
		}
	}
	return false
}

// ensureWatcher, with c.mu held, starts the watcher or makes it rebuild
// its select after a new sleeper arrived. During Forward the polls do the
// watching; resumeWatcher starts the watcher again afterwards.
func (c *Virtual) ensureWatcher() {
	if c.forwarding > 0 {
		return
	}
	if c.watching {
		c.kickWatcher()
		return
	}
	c.watching = true
	go c.watch()
}

func (c *Virtual) kickWatcher() {
	select {
	case c.interrupt <- struct{}{}:
	default: // a kick is already pending
	}
}

// pauseWatcher, with c.mu held, marks a Forward in progress and waits
// until the watcher is out of its select, having delivered whatever it
// received. A watcher that has not got that far will see forwarding when
// it takes c.mu and exit without selecting, so it need not be waited for
// (that saves a goroutine switch per Forward).
func (c *Virtual) pauseWatcher() {
	c.forwarding++
	for c.selecting {
		c.kickWatcher()
		c.settled.Wait()
	}
}

// resumeWatcher ends a Forward and releases c.mu; it restarts the watcher
// if sleepers can still be woken early.
func (c *Virtual) resumeWatcher() {
	c.forwarding--
	if c.forwarding == 0 && len(c.asleep) > 0 {
		c.ensureWatcher()
	}
	c.mu.Unlock()
}

// watch is the watcher goroutine (see the top of this file).
func (c *Virtual) watch() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.forwarding == 0 && len(c.asleep) > 0 {
		cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c.interrupt)}}
		type target struct {
			w      *waiter
			isDone bool
		}
		var targets []target
		for _, w := range c.asleep {
			if w.done != nil {
				cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(w.done)})
				targets = append(targets, target{w, true})
			}
			if w.wake != nil {
				cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(w.wake)})
				targets = append(targets, target{w, false})
			}
		}
		c.selecting = true
		c.mu.Unlock()
		chosen, _, _ := reflect.Select(cases)
		c.mu.Lock()
		c.selecting = false
		c.settled.Broadcast()
		if chosen == 0 {
			continue // a new sleeper, or a Forward wants us gone
		}
		// Every sleeper we selected on still sleeps: only this goroutine
		// and Forward wake sleepers early, and Forward waits for us.
		tg := targets[chosen-1]
		if tg.isDone {
			c.wakeWaiter(tg.w, tg.w.ctx.Err())
			continue
		}
		// The value was taken from tg.w.wake: give it to the first sleeper
		// on that channel, as a poll would.
		for _, w := range c.asleep {
			if w.wake == tg.w.wake {
				c.wakeWaiter(w, nil)
				break
			}
		}
	}
	c.watching = false
}
