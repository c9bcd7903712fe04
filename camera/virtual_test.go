package camera

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/clock"
)

// tickSource is a clock-driven source, as a simulated camera is: it
// emits a frame every period of its clock and ends its run after
// perRun frames.
type tickSource struct {
	clk    clock.Clock
	period time.Duration
	perRun int
	frame  []byte
}

func (s *tickSource) Name() string      { return "tick" }
func (s *tickSource) ClockDriven() bool { return true }

func (s *tickSource) Run(ctx context.Context, emit func([]byte, time.Time)) error {
	tm := s.clk.NewTimer()
	defer tm.Stop()
	next := s.clk.Now()
	for range s.perRun {
		next = next.Add(s.period)
		if err := tm.SleepUntil(ctx, next, nil); err != nil {
			return err
		}
		emit(s.frame, time.Time{})
	}
	return errors.New("simulated drop")
}

// On a virtual clock a clock-driven camera is deterministic: frames are
// stamped with virtual time, the reconnect backoff passes in virtual
// time, and At finds frames by it.
func TestCameraOnVirtualTime(t *testing.T) {
	vc := clock.NewVirtual()
	start := vc.Now()
	src := &tickSource{clk: vc, period: 100 * time.Millisecond, perRun: 5, frame: testJPEG(t, 32, 24, 1)}
	c, err := New("sim", src, Options{Clock: vc, BackoffMin: time.Second, BackoffMax: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c.Start(context.Background())
	defer c.Close()
	at := func(d time.Duration) time.Time { return start.Add(d) }
	// Frames at 0.1 … 0.5 s; the drop; 1 s of backoff; frames from 1.6 s.
	if err := vc.Forward(1750 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	st := c.Status()
	if st.Frames != 7 || st.Reconnects != 1 || !st.Connected || !strings.Contains(st.Error, "tick: simulated drop") ||
		!st.LastFrame.Equal(at(1700*time.Millisecond)) || st.FPS < 9.99 || st.FPS > 10.01 {
		t.Fatalf("at 1.75 s: %+v", st)
	}
	for _, tc := range []struct {
		t, want time.Duration
		seq     uint64
	}{{350 * time.Millisecond, 300 * time.Millisecond, 3}, {time.Second, 500 * time.Millisecond, 5}, {1600 * time.Millisecond, 1600 * time.Millisecond, 6}} {
		f, ok := c.At(at(tc.t))
		if !ok || f.Seq != tc.seq || !f.Time.Equal(at(tc.want)) {
			t.Fatalf("At(%v): seq %d at %v", tc.t, f.Seq, f.Time.Sub(start))
		}
	}
	if err := vc.Forward(300 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if st = c.Status(); st.Frames != 10 || st.Connected || st.Reconnects != 2 || st.FPS != 0 {
		t.Fatalf("at 2.05 s: %+v", st)
	}
}
