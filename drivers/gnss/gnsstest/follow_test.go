package gnsstest_test

import (
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/gnss/gnsstest"
	"github.com/gorosys/rosys/hardware/sim"
)

// The pose follows what the wheels report: 1 s at 0.5 m/s is 0.5 m north.
func TestFollowWheels(t *testing.T) {
	w := sim.NewWheels(sim.WheelsConfig{})
	pose, stop := gnsstest.FollowWheels(w)
	w.Drive(0.5, 0)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 101 {
		w.Step(t0.Add(time.Duration(i)*10*time.Millisecond), 10*time.Millisecond)
	}
	stop() // Step published every velocity before it returned: stop integrates them all
	if p := pose(); math.Abs(p.X-0.5) > 1e-9 || p.Y != 0 || !p.Time.Equal(t0.Add(time.Second)) {
		t.Fatalf("pose %+v", p)
	}
}
