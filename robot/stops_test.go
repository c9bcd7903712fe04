package robot_test

import (
	"slices"
	"testing"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/rosystest"
)

// Stops lists every active stop in one place: the e-stop, the soft
// e-stop, and each reason the motor controller refuses to drive.
func TestStopsListsEveryActiveStop(t *testing.T) {
	refusing := []string{}
	rt := rosystest.New(t, rosys.Config{})
	r, err := robot.Assemble(rt.Runtime, robot.Hardware{Refusing: func() []string { return refusing }})
	if err != nil {
		t.Fatal(err)
	}
	rt.Start()
	if got := r.Stops(); len(got) != 0 || got == nil {
		t.Fatalf("no stop active: %#v", got)
	}
	r.SoftEStop.Set(true)
	r.SimEStop.Set(true)
	refusing = []string{"controller not connected", "startup checksum not known yet"}
	want := []string{"estop", "soft estop", "lizard: controller not connected", "lizard: startup checksum not known yet"}
	if got := r.Stops(); !slices.Equal(got, want) {
		t.Fatalf("stops %v, want %v", got, want)
	}
}
