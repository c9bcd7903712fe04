package sim_test

import (
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
)

// The twin reports the odometry pose as a fix around its reference, at
// its interval, and nothing while silent or without a fix.
func TestGNSSFollowsOdometry(t *testing.T) {
	ref, err := hardware.NewGeoReference(50.1, 8.6)
	if err != nil {
		t.Fatal(err)
	}
	g := sim.NewGNSS(sim.GNSSConfig{Reference: ref, Interval: 100 * time.Millisecond})
	updates, cancel := g.SubscribeGNSS(16)
	defer cancel()
	g.Step(t0, 10*time.Millisecond)
	if len(updates) != 0 {
		t.Fatal("a measurement before following an odometer")
	}
	odo := hardware.NewOdometry(hardware.Pose{X: 30, Y: -40, Yaw: 2})
	g.Follow(odo)
	g.Step(t0, 10*time.Millisecond)
	m := <-updates
	if !m.HasFix() || m.Quality != hardware.QualityRTKFixed || m.X != 30 || m.Y != -40 || m.Yaw != 2 || !m.HasHeading || !m.Received.Equal(t0) {
		t.Fatalf("%+v", m)
	}
	// Latitude and longitude are where the reference frame puts the pose.
	if x, y := ref.ToLocal(m.Latitude, m.Longitude); math.Abs(x-30) > 1e-6 || math.Abs(y+40) > 1e-6 {
		t.Fatalf("lat/lon map to %v, %v", x, y)
	}
	if yaw := ref.YawFromHeading(m.Latitude, m.Longitude, m.Heading); math.Abs(yaw-2) > 1e-9 {
		t.Fatalf("heading %v maps to yaw %v", m.Heading, yaw)
	}
	for i := 1; i < 10; i++ { // 10 ms ticks: the next one is due at 100 ms
		g.Step(t0.Add(time.Duration(i)*10*time.Millisecond), 10*time.Millisecond)
	}
	if len(updates) != 0 {
		t.Fatalf("%d measurements within one interval", len(updates))
	}
	g.Step(t0.Add(100*time.Millisecond), 10*time.Millisecond)
	if len(updates) != 1 {
		t.Fatal("no measurement after one interval")
	}
	<-updates
	g.SetSilent(true)
	g.Step(t0.Add(time.Second), 10*time.Millisecond)
	if len(updates) != 0 || g.GNSS().Fresh(t0.Add(3*time.Second), 2*time.Second) {
		t.Fatal("a silent receiver reports, or its value stays fresh")
	}
	g.SetSilent(false)
	g.SetQuality(hardware.QualityNone)
	g.Step(t0.Add(2*time.Second), 10*time.Millisecond)
	if m := <-updates; m.HasFix() || m.HasLocal || m.Received.IsZero() {
		t.Fatalf("no-fix measurement %+v", m)
	}
}

func TestGNSSStepAllocatesNothing(t *testing.T) {
	g := sim.NewGNSS(sim.GNSSConfig{Interval: time.Nanosecond})
	g.Follow(hardware.NewOdometry(hardware.Pose{X: 1, Y: 2, Yaw: 0.3}))
	now := t0
	if n := testing.AllocsPerRun(1000, func() {
		now = now.Add(10 * time.Millisecond)
		g.Step(now, 10*time.Millisecond)
		_ = g.GNSS()
	}); n != 0 {
		t.Fatalf("%v allocations per tick", n)
	}
}

// Latency delays the arrival, not the fix time; a multipath offset
// shifts the positions; a receiver without heading reports its antenna;
// a first-fix receiver takes its frame from its first fix unless given
// one.
func TestGNSSLatencyOffsetAntennaFirstFix(t *testing.T) {
	g := sim.NewGNSS(sim.GNSSConfig{Latency: 150 * time.Millisecond, NoHeading: true, Antenna: hardware.Pose{X: 0.5}, FirstFix: true})
	var made []hardware.GeoReference
	g.OnReference(func(r hardware.GeoReference) { made = append(made, r) })
	updates, cancel := g.SubscribeGNSS(16)
	defer cancel()
	odo := hardware.NewOdometry(hardware.Pose{X: 10, Y: 0, Yaw: math.Pi / 2})
	g.Follow(odo)
	now := t0
	for range 15 {
		g.Step(now, 10*time.Millisecond)
		if len(updates) != 0 {
			t.Fatalf("a measurement arrived %v after its fix", now.Sub(t0))
		}
		now = now.Add(10 * time.Millisecond)
	}
	g.Step(now, 10*time.Millisecond) // 150 ms
	m := <-updates
	// The frame is the first fix's: the antenna, 0.5 m ahead of a robot
	// facing y, is its origin.
	if !m.FixTime.Equal(t0) || !m.Received.Equal(t0.Add(150*time.Millisecond)) || m.HasHeading || math.Abs(m.X) > 1e-6 || math.Abs(m.Y) > 1e-6 || len(made) != 1 {
		t.Fatalf("%+v, references made %d", m, len(made))
	}
	if _, src, _ := g.ReferenceInUse(); src != "first_fix" || g.UseReference(made[0]) {
		t.Fatalf("source %s, or a second reference taken", src)
	}
	g.SetOffset(1, -2)
	from := now
	for i := 0; m.FixTime.Before(from); i++ { // the first fix taken with the offset
		if i > 100 {
			t.Fatal("no fix with the offset within a second")
		}
		now = now.Add(10 * time.Millisecond)
		g.Step(now, 10*time.Millisecond)
		select {
		case m = <-updates:
		default:
		}
	}
	if math.Abs(m.X-1) > 1e-6 || math.Abs(m.Y+2) > 1e-6 {
		t.Fatalf("with a 1, -2 offset: %v, %v", m.X, m.Y)
	}
}
