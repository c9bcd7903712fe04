package automation_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/rosystest"
)

// interlock is a test stop source the automator watches.
type interlock struct {
	active atomic.Bool
	n      atomic.Uint64
	trips  chan struct{}
}

func newInterlock() *interlock { return &interlock{trips: make(chan struct{}, 1)} }

func (i *interlock) Blocked() (string, bool)  { return "bumper front", i.active.Load() }
func (i *interlock) Tripped() <-chan struct{} { return i.trips }
func (i *interlock) LastTrip() string         { return "bumper front" }
func (i *interlock) TripCount() uint64        { return i.n.Load() }
func (i *interlock) trip() {
	i.active.Store(true)
	i.n.Add(1)
	i.trips <- struct{}{}
}

type rig struct {
	r   *rosystest.Robot
	a   *automation.Automator
	out *driving.Command
	il  *interlock
	ev  <-chan automation.Event
}

func newRig(t *testing.T, register func(a *automation.Automator)) *rig {
	r := rosystest.New(t, rosys.Config{})
	g := &rig{r: r, out: &driving.Command{}, il: newInterlock()}
	g.a = automation.New(automation.Config{Clock: r.Clock, Output: g.out, Interlock: g.il, Restore: r.Store()})
	register(g.a)
	ev, cancel := g.a.Subscribe(64)
	t.Cleanup(cancel)
	g.ev = ev
	if err := r.Add("automation", g.a.Module()); err != nil {
		t.Fatal(err)
	}
	r.Start()
	return g
}

func (g *rig) state() automation.State { return g.a.Status().State }

func (g *rig) kinds() []string {
	var out []string
	for {
		select {
		case e := <-g.ev:
			out = append(out, e.Kind+":"+e.Reason)
		default:
			return out
		}
	}
}

// steps drives 0.1 m/s for 1 s, n times, saving a checkpoint after each.
func steps(n int, count *atomic.Int32) automation.Func {
	return func(ctx context.Context, h *automation.Handle) error {
		var cp struct{ I int }
		if _, err := h.Load(&cp); err != nil {
			return err
		}
		for i := cp.I; i < n; i++ {
			if err := h.Drive(ctx, 0.1, 0); err != nil {
				return err
			}
			if err := h.Sleep(ctx, time.Second); err != nil {
				return err
			}
			count.Add(1)
			if err := h.Save(ctx, struct{ I int }{i + 1}, float64(i+1)/float64(n)); err != nil {
				return err
			}
		}
		return h.Drive(ctx, 0, 0)
	}
}

func TestPauseBlocksAndResumeContinues(t *testing.T) {
	var count atomic.Int32
	g := newRig(t, func(a *automation.Automator) { _ = a.Register("steps", steps(5, &count)) })
	if err := g.a.Start(""); err != nil {
		t.Fatal(err)
	}
	if err := g.a.Start("steps"); !errors.Is(err, automation.ErrBusy) {
		t.Fatalf("second start: %v", err)
	}
	g.r.Forward(1500 * time.Millisecond)
	if err := g.a.Pause("lunch"); err != nil {
		t.Fatal(err)
	}
	if g.a.Running() {
		t.Fatal("running while paused")
	}
	g.r.Forward(10 * time.Second)
	if n := count.Load(); n != 1 { // the sleep in progress ends, then blocks
		t.Fatalf("%d steps while paused", n)
	}
	st := g.a.Status()
	if st.State != automation.Paused || st.Reason != "lunch" || st.Progress != 0.2 {
		t.Fatalf("%+v", st)
	}
	if err := g.a.Resume(); err != nil {
		t.Fatal(err)
	}
	g.r.ForwardUntil(func() bool { return g.state() == automation.Completed }, time.Minute)
	if count.Load() != 5 {
		t.Fatalf("%d steps", count.Load())
	}
	if got := strings.Join(g.kinds(), " "); got != "started: paused:lunch resumed: completed:" {
		t.Fatalf("events %s", got)
	}
	if err := g.a.Resume(); !errors.Is(err, automation.ErrNotPaused) {
		t.Fatal(err)
	}
}

func TestStopClearsCheckpointAndEndsGoroutine(t *testing.T) {
	var count atomic.Int32
	g := newRig(t, func(a *automation.Automator) { _ = a.Register("steps", steps(5, &count)) })
	_ = g.a.Start("steps")
	g.r.Forward(2500 * time.Millisecond)
	if len(g.a.Status().Checkpoint) == 0 {
		t.Fatal("no checkpoint")
	}
	if err := g.a.Stop(); err != nil {
		t.Fatal(err)
	}
	st := g.a.Status()
	if st.State != automation.Stopped || len(st.Checkpoint) != 0 || st.Progress != 0 {
		t.Fatalf("%+v", st)
	}
	if l, a := g.out.Get(); l != 0 || a != 0 {
		t.Fatal("stop leaves a command")
	}
	g.r.Forward(10 * time.Second)
	if count.Load() != 2 {
		t.Fatalf("the stopped automation went on: %d", count.Load())
	}
	if err := g.a.Stop(); !errors.Is(err, automation.ErrNotActive) {
		t.Fatal(err)
	}
	if err := g.a.Start("nope"); !errors.Is(err, automation.ErrUnknown) {
		t.Fatal(err)
	}
}

func TestPanicFailsAndTheRuntimeGoesOn(t *testing.T) {
	g := newRig(t, func(a *automation.Automator) {
		_ = a.Register("oops", func(ctx context.Context, h *automation.Handle) error {
			if err := h.Drive(ctx, 0.2, 0); err != nil {
				return err
			}
			if err := h.Sleep(ctx, time.Second); err != nil {
				return err
			}
			panic("wheel 3 fell off")
		})
		_ = a.Register("err", func(ctx context.Context, h *automation.Handle) error { return errors.New("no route") })
	})
	_ = g.a.Start("oops")
	g.r.ForwardUntil(func() bool { return g.state() == automation.Failed }, time.Minute)
	st := g.a.Status()
	if !strings.Contains(st.Reason, "panic: wheel 3 fell off") {
		t.Fatalf("%+v", st)
	}
	if l, _ := g.out.Get(); l != 0 || g.a.Running() {
		t.Fatal("the wheels' command survived the panic")
	}
	if g.r.State() != rosys.StateRunning {
		t.Fatal("the runtime did not go on")
	}
	_ = g.a.Start("err")
	g.r.ForwardUntil(func() bool { return g.state() == automation.Failed }, time.Minute)
	if g.a.Status().Reason != "no route" {
		t.Fatalf("%+v", g.a.Status())
	}
}

func TestSafetyStopPausesAndBlocksResume(t *testing.T) {
	var count atomic.Int32
	g := newRig(t, func(a *automation.Automator) { _ = a.Register("steps", steps(3, &count)) })
	_ = g.a.Start("")
	g.r.Forward(500 * time.Millisecond)
	g.il.trip()
	g.r.ForwardUntil(func() bool { return g.state() == automation.Paused }, time.Second)
	if st := g.a.Status(); st.Reason != "bumper front" || st.Blocked != "bumper front" {
		t.Fatalf("%+v", st)
	}
	if err := g.a.Resume(); !errors.Is(err, automation.ErrBlocked) || !strings.Contains(err.Error(), "bumper front") {
		t.Fatalf("resume: %v", err)
	}
	g.il.active.Store(false)
	if err := g.a.Resume(); err != nil {
		t.Fatal(err)
	}
	g.r.ForwardUntil(func() bool { return g.state() == automation.Completed }, time.Minute)
	g.il.active.Store(true)
	if err := g.a.Start(""); !errors.Is(err, automation.ErrBlocked) {
		t.Fatalf("start with a stop active: %v", err)
	}
}

func TestRegisterRules(t *testing.T) {
	a := automation.New(automation.Config{})
	fn := func(context.Context, *automation.Handle) error { return nil }
	if err := a.Register("x", fn); err != nil {
		t.Fatal(err)
	}
	if a.Register("x", fn) == nil || a.Register("", fn) == nil || a.Register("y", nil) == nil {
		t.Fatal("bad registration accepted")
	}
	if err := a.Start("x"); err == nil {
		t.Fatal("started before the robot runs")
	}
}

// An automation registered OnlyByName is never the nameless start's,
// even when registered first (the robot's own "goto").
func TestOnlyByNameIsNotTheDefault(t *testing.T) {
	var ran atomic.Value
	mark := func(name string) automation.Func {
		return func(context.Context, *automation.Handle) error { ran.Store(name); return nil }
	}
	g := newRig(t, func(a *automation.Automator) {
		if err := a.Register("goto", mark("goto"), automation.OnlyByName()); err != nil {
			t.Fatal(err)
		}
		if err := a.Register("mow", mark("mow")); err != nil {
			t.Fatal(err)
		}
	})
	if err := g.a.Start(""); err != nil {
		t.Fatal(err)
	}
	g.r.ForwardUntil(func() bool { return g.state() == automation.Completed }, time.Second)
	if got := g.a.Status().Automations; !slices.Equal(got, []string{"mow", "goto"}) {
		t.Fatalf("automations listed %v: the default first", got)
	}
	if g.a.Status().Name != "mow" || ran.Load() != "mow" {
		t.Fatalf("nameless start ran %v: %+v", ran.Load(), g.a.Status())
	}
	if err := g.a.Start("goto"); err != nil {
		t.Fatal(err)
	}
	g.r.ForwardUntil(func() bool { return g.state() == automation.Completed }, time.Second)
	if ran.Load() != "goto" {
		t.Fatalf("by name ran %v", ran.Load())
	}
	only := automation.New(automation.Config{})
	_ = only.Register("goto", mark("goto"), automation.OnlyByName())
	if st := only.Status(); len(st.Automations) != 1 {
		t.Fatalf("%+v", st)
	}
}

// StartFrom's checkpoint is in the record from the start and is what the
// automation loads.
func TestStartFromACheckpoint(t *testing.T) {
	loaded := make(chan string, 1)
	g := newRig(t, func(a *automation.Automator) {
		_ = a.Register("go", func(ctx context.Context, h *automation.Handle) error {
			var v struct{ Goal string }
			ok, err := h.Load(&v)
			if !ok || err != nil {
				return fmt.Errorf("load: %v %v", ok, err)
			}
			loaded <- v.Goal
			return h.Sleep(ctx, time.Hour)
		})
	})
	if err := g.a.StartFrom("go", []byte(`{"goal": "barn"`)); err == nil {
		t.Fatal("a checkpoint that is not JSON was taken")
	}
	if err := g.a.StartFrom("go", []byte(`{"goal": "barn"}`)); err != nil {
		t.Fatal(err)
	}
	if st := g.a.Status(); string(st.Checkpoint) != `{"goal": "barn"}` || st.State != automation.Running {
		t.Fatalf("record %+v", st)
	}
	g.r.Forward(10 * time.Millisecond)
	if got := <-loaded; got != "barn" {
		t.Fatalf("loaded %q", got)
	}
}

func TestRestoreRefusesBadRecords(t *testing.T) {
	a := automation.New(automation.Config{})
	for _, body := range []string{`{"state": "dancing"}`, `{"state": 3}`, `[`} {
		if err := a.Module().Restore([]byte(body)); err == nil {
			t.Errorf("%s accepted", body)
		}
	}
}

// A stop that tripped and cleared before the automation started does not
// pause it when the watcher gets to it late.
func TestStaleTripDoesNotPause(t *testing.T) {
	var count atomic.Int32
	g := newRig(t, func(a *automation.Automator) { _ = a.Register("steps", steps(3, &count)) })
	g.il.active.Store(true)
	g.il.n.Add(1)
	g.il.active.Store(false)
	if err := g.a.Start(""); err != nil {
		t.Fatal(err)
	}
	g.il.trips <- struct{}{} // the late wake-up
	g.r.Forward(500 * time.Millisecond)
	if st := g.a.Status(); st.State != automation.Running {
		t.Fatalf("paused by a stale trip: %+v", st)
	}
}
