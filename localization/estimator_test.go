package localization_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/localization"
)

// A robot driving a long arc with 3 % slip and a drifting IMU: the fused
// pose stays within centimetres of the truth while odometry alone is off
// by decimetres, with fixes 150 ms late and 2 cm noisy.
func TestFusedPoseTracksTheTruth(t *testing.T) {
	gc := rtk()
	gc.Antenna = hardware.Pose{X: 0.5, Y: -0.2} // the fixes are the antenna's, not the robot's
	w := newWorld(t, worldConfig{slip: 0.03, gnss: gc, drift: 0.5 * math.Pi / 180 / 60})
	w.run(time.Second, 0, 0)
	worst := 0.0
	for range 60 {
		w.run(time.Second, 0.5, 0.02)
		worst = math.Max(worst, w.errorNow())
	}
	odo, truth := w.odo.Pose(), w.wheels.TruePose()
	odoErr := math.Hypot(odo.X-truth.X, odo.Y-truth.Y)
	if worst > 0.05 || odoErr < 0.5 {
		t.Fatalf("worst fused error %.3f m (want ≤ 0.05), odometry alone %.3f m (want ≥ 0.5: the slip shows)", worst, odoErr)
	}
	st := w.est.Status(w.now)
	if st.Fixes.Accepted < 500 || st.Fixes.Rejected > st.Fixes.Accepted/100 || st.StdDev[0] > 0.03 || st.StdDev[0] <= 0 {
		t.Fatalf("fixes %+v, std dev %v", st.Fixes, st.StdDev)
	}
	if st.CorrectionAge == nil || *st.CorrectionAge < 0.15 || *st.CorrectionAge > 0.3 || st.CorrectionSource != "gnss" {
		t.Fatalf("correction age %v from %q, want 150–300 ms (latency plus the fix interval) from gnss", st.CorrectionAge, st.CorrectionSource)
	}
	if !slicesEqual(st.Sources, []string{"odometry", "gnss", "imu"}) {
		t.Fatalf("live sources %v", st.Sources)
	}
}

// Fixes taken at arrival instead of their own time would put the robot
// 300 ms (30 cm at 1 m/s) behind; the filter places them in the history,
// so what is left is the slip over the 300 ms carried forward (9 mm) and
// the filter's lag behind a biased odometry.
func TestLateFixesAreAlignedToTheirTime(t *testing.T) {
	cfg := rtk()
	cfg.Noise, cfg.Latency = 0, 300*time.Millisecond
	w := newWorld(t, worldConfig{slip: 0.03, gnss: cfg, noIMU: true})
	w.run(time.Second, 0, 0)
	w.run(20*time.Second, 1.0, 0)
	if e := w.errorNow(); e > 0.03 {
		t.Fatalf("error %.4f m at 1 m/s with 300 ms latency; aligned fixes keep it under 3 cm", e)
	}
}

// A multipath jump of 1 m for 1.5 s is refused by the gate; a shift that
// lasts, consistent in itself, re-initialises the position on the fixes.
func TestMultipathJumpIsNotFollowed(t *testing.T) {
	w := newWorld(t, worldConfig{gnss: rtk(), noIMU: true})
	w.run(time.Second, 0, 0)
	w.run(20*time.Second, 0.3, 0)
	before := w.est.Status(w.now).Fixes
	w.gnss.SetOffset(1.0, 0.5)
	worst := 0.0
	for range 15 {
		w.run(100*time.Millisecond, 0.3, 0)
		worst = math.Max(worst, w.errorNow())
	}
	w.gnss.SetOffset(0, 0)
	w.run(2*time.Second, 0.3, 0)
	after := w.est.Status(w.now).Fixes
	if worst > 0.05 || after.Rejected-before.Rejected < 10 || after.Reinits != 0 {
		t.Fatalf("during the jump: worst error %.3f m, rejected %d, reinits %d", worst, after.Rejected-before.Rejected, after.Reinits)
	}
	// A shift that does not end: the fixes win after ReinitAfter.
	w.gnss.SetOffset(1.0, 0)
	w.run(localization.DefaultReinitAfter+time.Second, 0.3, 0)
	p, truth := w.est.Pose(), w.wheels.TruePose()
	if st := w.est.Status(w.now); st.Fixes.Reinits != 1 || math.Abs(p.X-(truth.X+1)) > 0.1 {
		t.Fatalf("sustained shift: reinits %d, x %.3f, want ≈ %.3f (truth + 1 m)", st.Fixes.Reinits, p.X, truth.X+1)
	}
}

// While the receiver is silent the covariance grows with the distance
// driven and the correction ages; on its return the fixes are taken
// again (the grown covariance lets them through the gate).
func TestGNSSOutageAndReturn(t *testing.T) {
	w := newWorld(t, worldConfig{slip: 0.03, gnss: rtk(), noIMU: true})
	w.run(time.Second, 0, 0)
	w.run(10*time.Second, 0.5, 0)
	sd0 := w.est.Status(w.now).StdDev[0]
	w.gnss.SetSilent(true)
	w.run(30*time.Second, 0.5, 0.01)
	st := w.est.Status(w.now)
	if st.StdDev[0] < 5*sd0 || *st.CorrectionAge < 29.5 || contains(st.Sources, "gnss") {
		t.Fatalf("after 30 s silent: σx %.3f (was %.3f), correction age %.1f s, live %v", st.StdDev[0], sd0, *st.CorrectionAge, st.Sources)
	}
	if e := w.errorNow(); e < 0.1 {
		t.Fatalf("error %.3f m after 15 m on slipping wheels alone; the outage test needs a drift to correct", e)
	}
	rej := st.Fixes.Rejected
	w.gnss.SetSilent(false)
	w.run(3*time.Second, 0.5, 0)
	st = w.est.Status(w.now)
	if e := w.errorNow(); e > 0.05 || st.Fixes.Rejected != rej || st.Fixes.Reinits != 0 || !contains(st.Sources, "gnss") {
		t.Fatalf("after the return: error %.3f m, newly rejected %d, reinits %d, live %v", e, st.Fixes.Rejected-rej, st.Fixes.Reinits, st.Sources)
	}
}

// SetPose is a fresh correction; a fix taken before it is not applied.
func TestSetPose(t *testing.T) {
	cfg := rtk()
	cfg.Latency = 500 * time.Millisecond
	w := newWorld(t, worldConfig{gnss: cfg, noIMU: true})
	w.run(2*time.Second, 0, 0)
	if err := w.est.SetPose(hardware.Pose{X: math.NaN()}); err == nil {
		t.Fatal("NaN pose accepted")
	}
	if err := w.est.SetPose(hardware.Pose{X: 4, Y: -2, Yaw: 3 * math.Pi}); err != nil {
		t.Fatal(err)
	}
	w.run(20*time.Millisecond, 0, 0)
	p := w.est.Pose()
	st := w.est.Status(w.now)
	if p.X != 4 || p.Y != -2 || math.Abs(p.Yaw-math.Pi) > 1e-9 || st.CorrectionSource != "set_pose" || st.StdDev[0] > 0.011 || st.Fixes.SetPoses != 1 {
		t.Fatalf("pose %+v, status %+v", p, st)
	}
	// The fixes in flight (taken before the set pose) say (0, 0): not applied.
	w.run(400*time.Millisecond, 0, 0)
	if p := w.est.Pose(); math.Hypot(p.X-4, p.Y+2) > 1e-9 {
		t.Fatalf("a fix from before the set pose moved it to %+v", p)
	}
}

// A restored pose is unconfirmed: the Driver holds until a fix agrees.
func TestRestoredPoseWaitsForAFix(t *testing.T) {
	w := newWorld(t, worldConfig{gnss: rtk(), noIMU: true, confirm: true})
	data, _ := json.Marshal(localization.Saved{X: 0.01, Y: 0, Yaw: 0, Covariance: [3][3]float64{{1e-4, 0, 0}, {0, 1e-4, 0}, {0, 0, 1e-4}},
		Time: w.now.Add(-time.Hour), Sources: []string{"odometry", "gnss"}})
	if err := w.est.Module().Restore(data); err != nil {
		t.Fatal(err)
	}
	if _, _, hold := w.est.Correction(); !hold {
		t.Fatal("restored pose not held")
	}
	st := w.est.Status(w.now)
	if st.Confirmed || st.Restored == nil || st.Restored.Age != 3600 || st.X != 0.01 {
		t.Fatalf("status %+v", st)
	}
	w.run(500*time.Millisecond, 0, 0)
	if _, _, hold := w.est.Correction(); hold {
		t.Fatal("still held after agreeing fixes")
	}
	if b := w.est.Module().Backup().(localization.Saved); !b.Confirmed {
		t.Fatalf("module after confirmation %+v", b)
	}
	for _, bad := range []string{`{"x": 1e9}`, `{"yaw": "NaN"}`, `{"covariance": [[-1,0,0],[0,0,0],[0,0,0]]}`, `[1]`} {
		if err := w.est.Module().Restore(json.RawMessage(bad)); err == nil {
			t.Errorf("%s restored", bad)
		}
	}
}

// RoSys's rule follows every fix, the jump included.
func TestReanchorFollowsTheJump(t *testing.T) {
	w := newWorld(t, worldConfig{gnss: rtk(), noIMU: true, mode: localization.ModeReanchor})
	w.run(5*time.Second, 0.3, 0)
	w.gnss.SetOffset(1, 0)
	w.run(time.Second, 0.3, 0)
	if e := w.errorNow(); e < 0.9 {
		t.Fatalf("re-anchoring error %.3f m during a 1 m jump; RoSys's rule takes it whole", e)
	}
}

// The control tick allocates nothing: odometry, IMU and a fix every tenth
// tick, with its re-propagation.
func TestStepAllocatesNothing(t *testing.T) {
	w := newWorld(t, worldConfig{slip: 0.03, gnss: rtk(), drift: 1e-4})
	w.run(2*time.Second, 0.5, 0.1)
	_ = w.wheels.Drive(0.5, 0.1)
	allocs := testing.AllocsPerRun(1000, func() {
		w.now = w.now.Add(w.period)
		w.wheels.Step(w.now, w.period)
		w.odo.Step(w.now, w.period)
		w.gnss.Step(w.now, w.period)
		w.imu.Step(w.now, w.period)
		w.est.Step(w.now, w.period)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per tick", allocs)
	}
	if st := w.est.Status(w.now); st.Fixes.Accepted < 100 {
		t.Fatalf("only %d fixes taken: the loop measured did not fuse", st.Fixes.Accepted)
	}
}

func TestNeedsAnOdometer(t *testing.T) {
	if _, err := localization.New(localization.Config{}); err == nil {
		t.Fatal("no error without an odometer")
	}
	if _, err := localization.ParseMode("kalman"); err == nil {
		t.Fatal("unknown mode parsed")
	}
	if err := (&localization.Estimator{}).Apply([]byte{1}); !errors.Is(err, localization.ErrRecord) {
		t.Fatalf("short record: %v", err)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The pose module is captured at least once a second while the robot
// moves and when it comes to a stop, with the stopped pose.
func TestModuleCommittedWhileMovingAndAtAStop(t *testing.T) {
	w := newWorld(t, worldConfig{noGNSS: true, noIMU: true})
	w.run(time.Second, 0, 0)
	var times []time.Time
	for range 50 {
		w.run(100*time.Millisecond, 0.3, 0)
		if b := w.est.Module().Backup().(localization.Saved); len(times) == 0 || !b.Time.Equal(times[len(times)-1]) {
			times = append(times, b.Time)
		}
	}
	for i := 1; i < len(times); i++ {
		if d := times[i].Sub(times[i-1]); d > localization.CommitInterval+w.period {
			t.Fatalf("captures %v apart while moving", d)
		}
	}
	if len(times) < 4 {
		t.Fatalf("%d captures in 5 s of motion", len(times))
	}
	w.run(3*time.Second, 0, 0) // decelerates, then stands
	b, p := w.est.Module().Backup().(localization.Saved), w.est.Pose()
	if b.X != p.X || b.Y != p.Y || b.X < 1.4 {
		t.Fatalf("at a stop the module holds %+v, the estimate is %+v", b, p)
	}
}
