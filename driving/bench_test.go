package driving_test

import (
	"testing"
	"time"

	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
)

// movingPose is a pose source that a benchmark moves along the path, so
// each step projects and searches as it would while driving.
type movingPose struct{ p hardware.Pose }

func (m *movingPose) Pose() hardware.Pose { return m.p }

// BenchmarkDriverStep is one tick of the path driver on a 1 km path.
func BenchmarkDriverStep(b *testing.B) {
	params := driving.NewParameterStore(driving.Parameters{})
	pose := &movingPose{}
	var out driving.Command
	d := driving.NewDriver(params, pose, &out, nil)
	path := driving.Path{{Segment: driving.Line{To: driving.Point{X: 1000}}}}
	if err := d.SetPath(path); err != nil {
		b.Fatal(err)
	}
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		pose.p.X += 0.003 // 0.3 m/s at 100 Hz
		if pose.p.X > 990 {
			pose.p.X = 0
			_ = d.SetPath(path)
		}
		now = now.Add(10 * time.Millisecond)
		d.Step(now, 10*time.Millisecond)
	}
}

// BenchmarkArbiterStep is one tick of the arbiter: two stops polled,
// the automation's command clamped and sent to sim wheels.
func BenchmarkArbiterStep(b *testing.B) {
	params := driving.NewParameterStore(driving.Parameters{})
	wheels := sim.NewWheels(sim.WheelsConfig{})
	now := t0
	st := driving.NewSteerer(params, func() time.Time { return now })
	arb := driving.NewArbiter(wheels, params, st)
	arb.SetAutomation(running{})
	_ = arb.AddStop("estop", &flag{})
	_ = arb.AddStop("soft estop", &flag{})
	arb.Automation().Set(0.2, 0.1)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(10 * time.Millisecond)
		arb.Step(now, 10*time.Millisecond)
	}
}

// BenchmarkBaselineOdometryStep is the baseline the two above are read
// against: integrating one wheel measurement, which every tick does
// anyway.
func BenchmarkBaselineOdometryStep(b *testing.B) {
	o := hardware.NewOdometry(hardware.Pose{})
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(10 * time.Millisecond)
		o.Update(hardware.Velocity{Linear: 0.3, Angular: 0.1, Time: now})
	}
}
