package lizard

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestReplayKeepsEverySpeedInOrder: a replay driver keeps each speed the
// control loop asks for when it asks, however fast the ticks come (a
// speedrun), so the comparison with the recorded commands does not depend
// on when its writer goroutine gets to run.
func TestReplayKeepsEverySpeedInOrder(t *testing.T) {
	d := newBenchDriver(t)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.Feed(benchLines(1)[0], time.Unix(1_700_000_000, 0)) // ready
	for _, v := range []float64{0.3, 0.3, 0.28, 0.26, 0.26, 0.24} {
		if err := d.Drive(v, 0); err != nil {
			t.Fatal(err)
		}
	}
	_ = d.Wheels().Stop()
	if err := d.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	var speeds []string
	for _, c := range d.Sent() {
		if len(c) > 13 && c[:13] == "wheels.speed(" {
			speeds = append(speeds, c)
		}
	}
	want := []string{"wheels.speed(0.300, 0.000)", "wheels.speed(0.300, 0.000)", "wheels.speed(0.280, 0.000)",
		"wheels.speed(0.260, 0.000)", "wheels.speed(0.260, 0.000)", "wheels.speed(0.240, 0.000)",
		"wheels.speed(0.000, 0.000)"}
	// Stop may add its own last zero.
	if len(speeds) > len(want) && speeds[len(speeds)-1] == want[len(want)-1] {
		speeds = speeds[:len(want)]
	}
	if !slices.Equal(speeds, want) {
		t.Fatalf("sent %q\nwant %q", speeds, want)
	}
}
