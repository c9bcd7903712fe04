package rosys_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/rosystest"
)

// clockNotifier records notifications with the virtual time they came at.
type clockNotifier struct {
	clock clock.Clock
	mu    sync.Mutex
	at    map[string][]time.Time
}

func (n *clockNotifier) Notify(state string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.at[state] = append(n.at[state], n.clock.Now())
	return nil
}

func (n *clockNotifier) times(state string) []time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]time.Time(nil), n.at[state]...)
}

// TestWatchdogStopsWhenControlLoopHangs: while a step hangs for 2 s the
// control loop makes no progress, so the runtime must not ping systemd's
// watchdog (and systemd would restart the robot); pings resume after.
func TestWatchdogStopsWhenControlLoopHangs(t *testing.T) {
	clock := rosystest.NewVirtualClock()
	notes := &clockNotifier{clock: clock, at: map[string][]time.Time{}}
	r := rosystest.New(t, rosys.Config{
		Clock: clock, Notifier: notes, ControlPeriod: 10 * time.Millisecond, WatchdogInterval: 100 * time.Millisecond,
	})
	s := &stepRecorder{clock: clock, slowAt: 50, slowFor: 2 * time.Second}
	must(t, r.Add("steps", s))
	r.Start()
	start := clock.Now()
	r.Forward(4 * time.Second)
	hangFrom, hangTo := start.Add(500*time.Millisecond), start.Add(2500*time.Millisecond)
	var before, during, after int
	for _, at := range notes.times("WATCHDOG=1") {
		switch {
		case !at.After(hangFrom.Add(50 * time.Millisecond)):
			before++
		case at.Before(hangTo):
			during++
		default:
			after++
		}
	}
	// Pings every 50 ms (half the interval) while the loop runs.
	if during != 0 || before < 9 || after < 25 {
		t.Fatalf("watchdog pings before/during/after the hang: %d/%d/%d", before, during, after)
	}
	if len(notes.times("READY=1")) != 1 {
		t.Fatal("READY=1 not sent once")
	}
	must(t, r.Stop())
	if len(notes.times("STOPPING=1")) != 1 {
		t.Fatal("STOPPING=1 not sent once")
	}
}
