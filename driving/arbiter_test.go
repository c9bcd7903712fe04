package driving_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware/sim"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type flag struct{ on atomic.Bool }

func (f *flag) Active() bool  { return f.on.Load() }
func (f *flag) Running() bool { return f.on.Load() }

type rig struct {
	now     time.Time
	wheels  *sim.Wheels
	params  *driving.ParameterStore
	steerer *driving.Steerer
	arb     *driving.Arbiter
	estop   *flag
	bumper  *flag
	auto    *flag
}

func newRig(t *testing.T) *rig {
	r := &rig{now: t0, wheels: sim.NewWheels(sim.WheelsConfig{}), params: driving.NewParameterStore(driving.Parameters{}),
		estop: &flag{}, bumper: &flag{}, auto: &flag{}}
	r.steerer = driving.NewSteerer(r.params, func() time.Time { return r.now })
	r.arb = driving.NewArbiter(r.wheels, r.params, r.steerer)
	r.arb.SetAutomation(r.auto)
	if err := r.arb.AddStop("estop", r.estop); err != nil {
		t.Fatal(err)
	}
	if err := r.arb.AddStop("bumper front", r.bumper); err != nil {
		t.Fatal(err)
	}
	return r
}

// tick advances 10 ms and runs the arbiter, returning the wheels' target.
func (r *rig) tick() (float64, float64) {
	r.now = r.now.Add(10 * time.Millisecond)
	r.arb.Step(r.now, 10*time.Millisecond)
	v := r.wheels.Target()
	return v.Linear, v.Angular
}

func TestSafetyWinsOverManualAndAutomation(t *testing.T) {
	r := newRig(t)
	r.auto.on.Store(true)
	r.arb.Automation().Set(0.2, 0.1)
	if l, a := r.tick(); l != 0.2 || a != 0.1 {
		t.Fatalf("automation: %v %v", l, a)
	}
	if err := r.steerer.Steer(-0.1, 0.5); err != nil {
		t.Fatal(err)
	}
	if l, a := r.tick(); l != -0.1 || a != 0.5 {
		t.Fatalf("manual wins over automation: %v %v", l, a)
	}
	r.bumper.on.Store(true)
	if l, a := r.tick(); l != 0 || a != 0 {
		t.Fatalf("a stop on the very next tick: %v %v", l, a)
	}
	select {
	case <-r.arb.Tripped():
	default:
		t.Fatal("no trip signalled")
	}
	if r.arb.LastTrip() != "bumper front" {
		t.Fatalf("last trip %q", r.arb.LastTrip())
	}
	if name, ok := r.arb.Blocked(); !ok || name != "bumper front" {
		t.Fatalf("blocked %q %v", name, ok)
	}
	// Whatever anyone asks while it is active.
	for range 10 {
		_ = r.steerer.Steer(0.3, 0)
		r.arb.Automation().Set(0.3, 0)
		r.wheels.Drive(0.3, 0) // even a stray command is overwritten next tick
		if l, a := r.tick(); l != 0 || a != 0 {
			t.Fatalf("moved with the bumper pressed: %v %v", l, a)
		}
	}
	r.bumper.on.Store(false)
	r.estop.on.Store(true)
	if l, _ := r.tick(); l != 0 || r.arb.LastTrip() != "estop" {
		t.Fatalf("estop: %v %q", l, r.arb.LastTrip())
	}
	r.estop.on.Store(false)
	if l, _ := r.tick(); l != 0.3 {
		t.Fatalf("manual again after release (within its deadman): %v", l)
	}
	st := r.arb.Status()
	if st.Source != driving.SourceManual || len(st.Stops) != 2 || st.StopTicks != 12 {
		t.Fatalf("%+v", st)
	}
}

func TestDeadman(t *testing.T) {
	r := newRig(t)
	if err := r.steerer.Steer(0.2, 0); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 50; i++ { // 490 ms
		if l, _ := r.tick(); l != 0.2 {
			t.Fatalf("tick %d: %v", i, l)
		}
	}
	if l, _ := r.tick(); l != 0 { // 500 ms: the deadman expired
		t.Fatalf("still driving %v after %v without a command", l, driving.Deadman)
	}
	if st := r.steerer.Status(); st.Active {
		t.Fatalf("%+v", st)
	}
	// A page that keeps sending keeps the robot moving.
	for i := range 100 {
		if i%20 == 0 {
			_ = r.steerer.Steer(0.1, 0)
		}
		if l, _ := r.tick(); l != 0.1 {
			t.Fatalf("tick %d: %v", i, l)
		}
	}
	r.steerer.Release()
	if l, _ := r.tick(); l != 0 {
		t.Fatal("release does not stop")
	}
}

func TestSteerRefusesBadValues(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		l, a float64
		want string
	}{
		{1, 0, "linear: 1 m/s is beyond the speed limit of 0.3 m/s"},
		{0, -2, "angular: -2 rad/s is beyond the speed limit"},
		{nan(), 0, "linear: not a finite number"},
		{0, inf(), "angular: not a finite number"},
	} {
		err := r.steerer.Steer(tc.l, tc.a)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Steer(%v, %v): %v, want %q", tc.l, tc.a, err, tc.want)
		}
	}
	if l, a := r.tick(); l != 0 || a != 0 {
		t.Fatal("a refused command moved the robot")
	}
}

func TestAutomationOnlyWhileRunningAndClamped(t *testing.T) {
	r := newRig(t)
	r.arb.Automation().Set(5, -9)
	if l, _ := r.tick(); l != 0 {
		t.Fatal("automation drives while not running")
	}
	r.auto.on.Store(true)
	if l, a := r.tick(); l != 0.3 || a != -1 {
		t.Fatalf("not clamped to the limits: %v %v", l, a)
	}
	r.auto.on.Store(false) // paused
	if l, a := r.tick(); l != 0 || a != 0 {
		t.Fatal("paused automation drives")
	}
}

func TestAddStopAfterStartIsRefused(t *testing.T) {
	r := newRig(t)
	r.tick()
	if err := r.arb.AddStop("late", &flag{}); err == nil {
		t.Fatal("stop added to a running arbiter")
	}
	if err := newRig(t).arb.AddStop("estop", &flag{}); err == nil {
		t.Fatal("duplicate name accepted")
	}
}

func TestSoftEStop(t *testing.T) {
	var e driving.SoftEStop
	ch, cancel := e.SubscribeChanges(4)
	defer cancel()
	e.Set(true)
	e.Set(true)
	if !e.Active() {
		t.Fatal("not active")
	}
	e.Set(false)
	if a, b := <-ch, <-ch; !a || b || len(ch) != 0 {
		t.Fatalf("changes %v %v", a, b)
	}
}

// TestStepAllocatesNothing: the control path (path driver and arbiter)
// allocates nothing per tick.
func TestStepAllocatesNothing(t *testing.T) {
	r := newRig(t)
	r.auto.on.Store(true)
	odo := sim.NewOdometer(r.wheels)
	d := driving.NewDriver(r.params, odo, r.arb.Automation(), nil)
	if err := d.SetPath(driving.Path{{Segment: driving.Line{To: driving.Point{X: 100}}}}); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		r.now = r.now.Add(10 * time.Millisecond)
		r.wheels.Step(r.now, 10*time.Millisecond)
		odo.Step(r.now, 10*time.Millisecond)
		d.Step(r.now, 10*time.Millisecond)
		r.arb.Step(r.now, 10*time.Millisecond)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per tick", allocs)
	}
	if p := odo.Pose(); p.X < 2 {
		t.Fatalf("did not drive: %+v", p)
	}
}

// orderWheels notes, when told to stop, whether the trip was already
// signalled: whoever sees a trip must see wheels already told to stop.
type orderWheels struct {
	*sim.Wheels
	arb              *driving.Arbiter
	stops            int
	signalledAtFirst bool
}

func (w *orderWheels) Stop() error {
	if w.stops++; w.stops == 1 {
		w.signalledAtFirst = len(w.arb.Tripped()) > 0 || w.arb.TripCount() > 0
	}
	return w.Wheels.Stop()
}

// A trip is counted and signalled after the wheels were told to stop, so
// an automation pausing on it (and a page showing that pause) never sees a
// robot that was not yet told to stop.
func TestTripSignalledAfterTheWheelsStop(t *testing.T) {
	w := &orderWheels{Wheels: sim.NewWheels(sim.WheelsConfig{})}
	params := driving.NewParameterStore(driving.Parameters{})
	now := t0
	arb := driving.NewArbiter(w, params, driving.NewSteerer(params, func() time.Time { return now }))
	w.arb = arb
	auto, estop, bumper := &flag{}, &flag{}, &flag{}
	arb.SetAutomation(auto)
	for name, s := range map[string]*flag{"estop": estop, "bumper front": bumper} {
		if err := arb.AddStop(name, s); err != nil {
			t.Fatal(err)
		}
	}
	auto.on.Store(true)
	arb.Automation().Set(0.2, 0)
	arb.Step(now, 10*time.Millisecond)
	if v := w.Target(); v.Linear != 0.2 {
		t.Fatalf("automation: %+v", v)
	}
	estop.on.Store(true)
	bumper.on.Store(true) // two stops on one tick: one trip
	now = now.Add(10 * time.Millisecond)
	arb.Step(now, 10*time.Millisecond)
	if w.stops == 0 || w.signalledAtFirst {
		t.Fatalf("wheels told to stop %d times; trip signalled before the first: %v", w.stops, w.signalledAtFirst)
	}
	if n := arb.TripCount(); n != 1 || len(arb.Tripped()) != 1 {
		t.Fatalf("trip count %d, signalled %d", n, len(arb.Tripped()))
	}
}
