package robot_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/localization"
	"github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/rosystest"
)

// route is the test's automation: straight lines to each point, a
// checkpoint after each.
var route = []driving.Point{{X: 4, Y: 0}, {X: 4, Y: 1}}

type routeCheckpoint struct {
	Next int `json:"next"`
}

// poseRig is a simulated robot with a GNSS twin (150 ms late, 1 cm
// noisy, one antenna, frame from its first fix) on virtual time.
type poseRig struct {
	r    *rosystest.Robot
	bot  *robot.Robot
	gnss *sim.GNSS
}

func newPoseRig(t *testing.T, dir string, opts ...robot.Option) *poseRig {
	t.Helper()
	return newPoseRigWith(t, dir, sim.GNSSConfig{Latency: 150 * time.Millisecond, Noise: 0.01, StdDev: 0.01, NoHeading: true, FirstFix: true, Seed: 3}, opts...)
}

func newPoseRigWith(t *testing.T, dir string, gc sim.GNSSConfig, opts ...robot.Option) *poseRig {
	t.Helper()
	r := rosystest.NewIn(t, dir, rosys.Config{}) // dir "": a new one
	g := sim.NewGNSS(gc)
	hw := robot.Hardware{GNSS: g, Drivers: []robot.Driver{{Name: "gnss", V: g}}, Pose: robot.PoseConfig{StaleAfter: 2 * time.Second}}
	bot, err := robot.Assemble(r.Runtime, hw, opts...)
	if err != nil {
		t.Fatal(err)
	}
	err = bot.Automator.Register("route", func(ctx context.Context, h *automation.Handle) error {
		var cp routeCheckpoint
		if _, err := h.Load(&cp); err != nil {
			return err
		}
		for i := cp.Next; i < len(route); i++ {
			if err := h.Wait(ctx); err != nil {
				return err
			}
			if err := bot.Driver.DriveTo(ctx, route[i]); err != nil {
				return err
			}
			if err := h.Save(ctx, routeCheckpoint{Next: i + 1}, float64(i+1)/float64(len(route))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &poseRig{r: r, bot: bot, gnss: g}
}

func (p *poseRig) done() bool { return p.bot.Automator.Status().State == automation.Completed }

func (p *poseRig) committed(key string) bool {
	ms, err := p.r.Store().ModuleStatus(key)
	return err == nil && !ms.Pending && ms.Saves > 0
}

// A robot killed halfway along its first line comes back (a new runtime
// on the committed files) at its persisted pose, unconfirmed, waits for
// a fix to confirm it, and finishes the route within 5 cm of the goal,
// in the frame of its first run's first fix.
func TestKilledMidRouteResumesFromThePersistedPose(t *testing.T) {
	a := newPoseRig(t, "")
	a.r.Start()
	if err := a.bot.Automator.Start("route"); err != nil {
		t.Fatal(err)
	}
	a.r.ForwardUntil(func() bool { return a.committed(robot.ReferenceKey) }, time.Minute)
	a.r.ForwardUntil(func() bool {
		return a.bot.Pose.Module().Backup().(localization.Saved).X > 2 && a.committed(localization.ModuleKey)
	}, time.Minute)
	dir := rosystest.Killed(t, a.r.Dir)
	truth := a.bot.SimWheels.TruePose()
	saved := a.bot.Pose.Module().Backup().(localization.Saved)
	// Committed at least once a second of virtual time, but a commit's
	// disk time passes while virtual time runs on: the bound is loose
	// here (the e2e test holds the real binary to it on real time).
	if truth.X > 3.9 || math.Hypot(saved.X-truth.X, saved.Y-truth.Y) > 1 {
		t.Fatalf("killed at %+v with %+v committed", truth, saved)
	}
	ref := a.bot.Reference.Get()
	if ref.Source != "first_fix" {
		t.Fatalf("reference %+v", ref)
	}

	b := newPoseRig(t, dir, robot.AutoResume(true))
	b.r.Start()
	b.bot.SimWheels.PlaceAt(truth) // where the robot really stood
	st := b.bot.Pose.Status(b.r.Clock.Now())
	if st.Confirmed || !st.Hold || st.Restored == nil || st.X != saved.X || st.Y != saved.Y {
		t.Fatalf("after the restart: %+v", st)
	}
	if got, src, _ := b.gnss.ReferenceInUse(); got.Lat != ref.Lat || got.Lon != ref.Lon || src != "restored" {
		t.Fatalf("reference after the restart %v %v from %s, was %+v", got.Lat, got.Lon, src, ref)
	}
	b.r.Forward(50 * time.Millisecond)
	if !slices.Contains(b.bot.Stops(), driving.HoldUnconfirmed) {
		t.Fatalf("stops %v while the restored pose waits for a fix", b.bot.Stops())
	}
	b.r.ForwardUntil(b.done, 2*time.Minute)
	goal := route[len(route)-1]
	end, fused := b.bot.SimWheels.TruePose(), b.bot.Pose.Pose()
	if d := math.Hypot(end.X-goal.X, end.Y-goal.Y); d > 0.05 {
		t.Fatalf("ended %.3f m from the goal: truth %+v, fused %+v", d, end, fused)
	}
	if st := b.bot.Pose.Status(b.r.Clock.Now()); !st.Confirmed || st.Fixes.Accepted == 0 {
		t.Fatalf("status at the end %+v", st)
	}
}

// The first fix's reference is kept: without the module gnss_reference
// the restarted receiver takes a new frame at the robot (and the pose
// jumps to its origin); with it, the frame and the pose stay.
func TestFirstFixReferenceKeepsTheFrame(t *testing.T) {
	a := newPoseRig(t, "")
	a.r.Start()
	if err := a.bot.Automator.Start("route"); err != nil {
		t.Fatal(err)
	}
	a.r.ForwardUntil(a.done, 2*time.Minute)
	a.r.ForwardUntil(func() bool { return a.committed(localization.ModuleKey) && a.committed(robot.ReferenceKey) }, time.Minute)
	truth := a.bot.SimWheels.TruePose()
	for _, keep := range []bool{true, false} {
		dir := rosystest.Killed(t, a.r.Dir)
		if !keep {
			if err := os.Remove(filepath.Join(dir, robot.ReferenceKey+".json")); err != nil {
				t.Fatal(err)
			}
		}
		b := newPoseRig(t, dir)
		b.r.Start()
		b.bot.SimWheels.PlaceAt(truth)
		b.r.Forward(5 * time.Second) // past the gate's re-initialisation
		p := b.bot.Pose.Pose()
		_, src, _ := b.gnss.ReferenceInUse()
		atGoal := math.Hypot(p.X-4, p.Y-1) < 0.05
		if keep && (!atGoal || src != "restored") || !keep && (atGoal || src != "first_fix" || math.Hypot(p.X, p.Y) > 0.05) {
			t.Fatalf("reference kept %v: pose %+v, reference from %s", keep, p, src)
		}
	}
}

// Fixes that stop coming slow the Driver (max_detection_age_ramp
// [1, 3] s) and then hold it ("stale pose" among the stops); when they
// come back the route goes on and ends at its goal.
func TestStaleFixesSlowThenStop(t *testing.T) {
	a := newPoseRig(t, "")
	prm := driving.DefaultParameters()
	prm.MaxDetectionAgeRamp = driving.AgeRamp{1, 3}
	a.bot.Params.Set(prm)
	a.r.Start()
	if err := a.bot.Automator.Start("route"); err != nil {
		t.Fatal(err)
	}
	a.r.ForwardUntil(func() bool { return a.bot.Pose.Pose().X > 1 }, time.Minute)
	full := a.bot.Wheels.Velocity().Linear
	a.gnss.SetSilent(true)
	a.r.Forward(2 * time.Second) // the last fix is 2.1–2.25 s old
	slow := a.bot.Wheels.Velocity().Linear
	if full < 0.29 || slow > 0.6*full || slow < 0.2*full || len(a.bot.Stops()) != 0 {
		t.Fatalf("speed %.3f m/s with fresh fixes, %.3f at a 2 s old one (want about half); stops %v", full, slow, a.bot.Stops())
	}
	a.r.ForwardUntil(func() bool { return slices.Contains(a.bot.Stops(), driving.HoldStalePose) }, 5*time.Second)
	a.r.Forward(time.Second)
	if v := a.bot.Wheels.Velocity().Linear; v != 0 || a.bot.Driver.SpeedFactor() != 0 {
		t.Fatalf("speed %v with a stale pose", v)
	}
	st := a.bot.Pose.Status(a.r.Clock.Now())
	if *st.CorrectionAge < 3 || slices.Contains(st.Sources, "gnss") {
		t.Fatalf("status %+v", st)
	}
	a.gnss.SetSilent(false)
	a.r.ForwardUntil(a.done, 2*time.Minute)
	end := a.bot.SimWheels.TruePose()
	if math.Hypot(end.X-4, end.Y-1) > 0.05 || len(a.bot.Stops()) != 0 {
		t.Fatalf("ended at %+v, stops %v", end, a.bot.Stops())
	}
}

var _ hardware.IMU = (*sim.IMU)(nil)

// A multipath jump of 1 m for 1.5 s in the middle of the route is not
// followed: the fused pose stays within 5 cm of the truth, and the route
// ends at its goal.
func TestMultipathJumpNotFollowed(t *testing.T) {
	a := newPoseRig(t, "")
	a.r.Start()
	if err := a.bot.Automator.Start("route"); err != nil {
		t.Fatal(err)
	}
	a.r.ForwardUntil(func() bool { return a.bot.Pose.Pose().X > 2 }, time.Minute)
	a.gnss.SetOffset(1, -0.5)
	worst := 0.0
	for range 15 {
		a.r.Forward(100 * time.Millisecond)
		p, truth := a.bot.Pose.Pose(), a.bot.SimWheels.TruePose()
		worst = math.Max(worst, math.Hypot(p.X-truth.X, p.Y-truth.Y))
	}
	a.gnss.SetOffset(0, 0)
	st := a.bot.Pose.Status(a.r.Clock.Now())
	if worst > 0.05 || st.Fixes.Rejected < 10 || st.Fixes.Reinits != 0 {
		t.Fatalf("during the jump: worst error %.3f m, fixes %+v", worst, st.Fixes)
	}
	a.r.ForwardUntil(a.done, 2*time.Minute)
	if end := a.bot.SimWheels.TruePose(); math.Hypot(end.X-4, end.Y-1) > 0.05 {
		t.Fatalf("ended at %+v", end)
	}
}

// A configured reference wins over a stored first-fix one: the module
// then records the configured point.
func TestConfiguredReferenceWins(t *testing.T) {
	a := newPoseRig(t, "")
	a.r.Start()
	a.r.ForwardUntil(func() bool { return a.committed(robot.ReferenceKey) }, time.Minute)
	if a.bot.Reference.Get().Source != "first_fix" {
		t.Fatalf("first run's reference %+v", a.bot.Reference.Get())
	}
	dir := rosystest.Killed(t, a.r.Dir)
	ref, err := hardware.NewGeoReference(50.1, 8.6)
	if err != nil {
		t.Fatal(err)
	}
	b := newPoseRigWith(t, dir, sim.GNSSConfig{Reference: ref})
	b.r.Start()
	got, src, _ := b.gnss.ReferenceInUse()
	if m := b.bot.Reference.Get(); src != "config" || got != ref || m != (robot.Reference{Lat: 50.1, Lon: 8.6, Source: "config"}) {
		t.Fatalf("in use %v from %s, module %+v", got, src, m)
	}
}
