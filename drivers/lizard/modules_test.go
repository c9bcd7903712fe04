package lizard_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/internal/testwait"
	"go.uber.org/zap/zaptest"
)

// robotModules is a robot with custom wheels (so the simulated
// controller's legacy "wheels" object is not needed: the code module
// declares it), two e-stops, two bumpers, a BMS, an IMU and an expander.
func robotModules(battery *lizard.Battery) []lizard.Module {
	return []lizard.Module{
		&lizard.Can{Object: "can", RxPin: 32, TxPin: 33},
		&lizard.Wheels{Can: "can", RightCanAddress: 256, HostTimeout: 500 * time.Millisecond},
		lizard.NewEStop("estop", []lizard.Pin{{Name: "front", GPIO: 34}, {Name: "back", GPIO: 35}}, true, ""),
		&lizard.Serial{Object: "p0_serial", RxPin: 16, TxPin: 17},
		&lizard.Expander{Object: "p0", Serial: "p0_serial", Boot: 25, Enable: 14},
		lizard.NewBumper("bumper", []lizard.Pin{{Name: "front", GPIO: 21}, {Name: "back", GPIO: 22}}, false, "p0"),
		battery,
		&lizard.IMU{},
	}
}

type modRig struct {
	t    *testing.T
	ctrl *lizardtest.Controller
	d    *lizard.Driver
	cmds <-chan string
	now  *offsetClock
}

// offsetClock is the real clock, which a test can move forward to see
// what a long silence looks like without waiting for it.
type offsetClock struct{ off atomic.Int64 }

func (c *offsetClock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *offsetClock) Forward(d time.Duration) { c.off.Add(int64(d)) }
func newModRig(t *testing.T, mods []lizard.Module, mode string, startup lizard.Code, ctrlCfg lizardtest.Config) *modRig {
	t.Helper()
	return startModRig(t, mods, mode, startup, ctrlCfg, true)
}

// startModRig starts a controller and a driver; waitReady waits until
// the driver is ready.
func startModRig(t *testing.T, mods []lizard.Module, mode string, startup lizard.Code, ctrlCfg lizardtest.Config, waitReady bool) *modRig {
	t.Helper()
	ctrlCfg.Startup = startup
	ctrl := startController(t, ctrlCfg)
	cmds, cancel := ctrl.Received(8192)
	t.Cleanup(cancel)
	clock := &offsetClock{}
	d, err := lizard.New(lizard.Config{Port: ctrl.Link(), Modules: mods, Configure: mode, Log: zaptest.NewLogger(t), Now: clock.Now,
		ReconnectMin: 20 * time.Millisecond, ReconnectMax: 100 * time.Millisecond,
		ConfigureOptions: lizard.ConfigureOptions{ReadyTimeout: 2 * time.Second, AnswerTimeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ready, cancelR := d.SubscribeReady(8)
	defer cancelR()
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Stop(context.Background()) })
	if waitReady {
		testwait.For(t, ready, "controller ready", testwait.Equal(true))
	}
	return &modRig{t: t, ctrl: ctrl, d: d, cmds: cmds, now: clock}
}

// waitStatus polls the driver's status on each message from the
// controller (every 10 ms) until ok holds.
func (r *modRig) waitStatus(what string, ok func(lizard.Status) bool) lizard.Status {
	r.t.Helper()
	var st lizard.Status
	testwait.For(r.t, r.cmds, what, func(string) bool { st = r.d.Status(); return ok(st) })
	return st
}

func odriveWheels() []lizard.Module {
	return []lizard.Module{&lizard.Can{Object: "can", RxPin: 32, TxPin: 33}, &lizard.Wheels{Can: "can", RightCanAddress: 256}}
}

func generated(t *testing.T, mods []lizard.Module) lizard.Code {
	code, _, err := lizard.Generate(mods)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestModulesTelemetry(t *testing.T) {
	bat := &lizard.Battery{RxPin: 26, TxPin: 27, Expander: "p0", RequestInterval: 100 * time.Millisecond}
	mods := robotModules(bat)
	r := newModRig(t, mods, "check", generated(t, robotModules(&lizard.Battery{RxPin: 26, TxPin: 27, Expander: "p0"})), lizardtest.Config{})
	st := r.waitStatus("startup checksum matches", func(s lizard.Status) bool { return s.Startup != nil && s.Startup.Match })
	if st.Firmware != "v0.9.9-sim" || len(st.Refusing) != 0 {
		t.Fatalf("status %+v", st)
	}
	// The BMS reply arrives in two lines, behind the expander's prefix.
	batt, cancel := bat.SubscribeBattery(4)
	defer cancel()
	b := testwait.For(t, batt, "a battery state", func(hardware.BatteryState) bool { return true })
	if math.Abs(b.Voltage-26.5) > 0.05 || b.Percentage > 80 || b.Percentage < 79 || b.Current != -0.7 || b.Charging || math.Abs(b.Temperature-20) > 1.1 {
		t.Fatalf("battery %+v", b)
	}
	// Turning: the IMU follows the simulated motion.
	if err := r.d.Drive(0, 1); err != nil {
		t.Fatal(err)
	}
	imu := mods[7].(*lizard.IMU)
	imuCh, cancelI := imu.SubscribeIMU(1)
	defer cancelI()
	m := testwait.For(t, imuCh, "yaw past 0.3 rad", func(s hardware.IMUState) bool { return s.Yaw > 0.3 })
	if m.Calibration.Gyroscope != 3 || math.Abs(m.Roll) > 1e-3 || math.Abs(m.Pitch) > 1e-3 {
		t.Fatalf("imu %+v", m)
	}
	ms := r.d.ModuleStatus()
	if ms["p0"].(map[string]any)["ready"] != true || ms["battery"].(map[string]any)["stale"] != false {
		t.Fatalf("module status %v", ms)
	}
	if ms["imu"].(map[string]any)["yaw_deg"].(float64) < 17 {
		t.Fatalf("imu status %v", ms["imu"])
	}
}

// TestBumperStopsWheels: a bumper press stops the wheels at once, refuses
// every drive command with the bumper named, and releasing it lets the
// wheels drive again.
func TestBumperStopsWheels(t *testing.T) {
	mods := robotModules(&lizard.Battery{RxPin: 26, TxPin: 27, Expander: "p0"})
	r := newModRig(t, mods, "check", generated(t, mods), lizardtest.Config{})
	r.waitStatus("startup known", func(s lizard.Status) bool { return len(s.Refusing) == 0 })
	if err := r.d.Drive(0.5, 0); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, r.cmds, "the speed at the controller", testwait.Equal("wheels.speed(0.500, 0.000)"))
	bumper := mods[5].(*lizard.Bumper)
	presses, cancel := bumper.SubscribePresses(8)
	defer cancel()
	if err := r.ctrl.Press("bumper front"); err != nil {
		t.Fatal(err)
	}
	p := testwait.For(t, presses, "the press", func(hardware.Press) bool { return true })
	if p.Name != "front" || !p.Active || p.Kind != "bumper" {
		t.Fatalf("press %+v", p)
	}
	testwait.For(t, r.cmds, "a stop at the controller", testwait.Equal("wheels.speed(0.000, 0.000)"))
	if err := r.d.Drive(0.5, 0); !errors.Is(err, lizard.ErrSafetyStop) {
		t.Fatalf("drive while bumped: %v", err)
	}
	st := r.d.Status()
	if !slices.Contains(st.Refusing, "bumper front active") || !slices.Equal(bumper.Pressed(nil), []string{"front"}) {
		t.Fatalf("refusing %q, pressed %q", st.Refusing, bumper.Pressed(nil))
	}
	for _, in := range r.d.SafetyInputs() {
		if in.Active() != (in.Kind() == "bumper" && in.Name() == "front") {
			t.Fatalf("input %s %s active %v", in.Kind(), in.Name(), in.Active())
		}
	}
	// The e-stop too, on its own pin.
	if err := r.ctrl.Press("estop_back"); err != nil {
		t.Fatal(err)
	}
	r.waitStatus("e-stop back refusing", func(s lizard.Status) bool { return slices.Contains(s.Refusing, "estop back active") })
	if !r.d.EStop().Active() {
		t.Fatal("e-stop not active")
	}
	_ = r.ctrl.Release("bumper front")
	_ = r.ctrl.Release("estop back")
	r.waitStatus("released", func(s lizard.Status) bool { return len(s.Refusing) == 0 })
	if err := r.d.Drive(0.2, 0); err != nil {
		t.Fatalf("drive after release: %v", err)
	}
	testwait.For(t, r.cmds, "driving again", testwait.Equal("wheels.speed(0.200, 0.000)"))
}

// TestMissingEStopFieldRefuses: a hand-written core_fields without the
// e-stop's field: the e-stop counts as active, and the driver says so.
func TestMissingEStopFieldRefuses(t *testing.T) {
	ctrl := startController(t, lizardtest.Config{})
	d, err := lizard.New(lizard.Config{Port: ctrl.Link(), CoreFields: []string{"wheels.linear_speed:3", "wheels.angular_speed:3"}, Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ready, cancel := d.SubscribeReady(8)
	defer cancel()
	_ = d.Start(context.Background())
	defer d.Stop(context.Background())
	testwait.For(t, ready, "ready", testwait.Equal(true))
	if err := d.Drive(0.3, 0); !errors.Is(err, lizard.ErrSafetyStop) {
		t.Fatalf("drive: %v", err)
	}
	want := "estop: core field estop.active missing from the core output (counts as active)"
	if st := d.Status(); !slices.Contains(st.Refusing, want) || !d.EStop().Active() {
		t.Fatalf("refusing %q", st.Refusing)
	}
}

// TestStartupMismatchCheck: the controller runs other code; check mode
// reports it and refuses to drive; off mode does not look.
func TestStartupMismatchCheck(t *testing.T) {
	mods := odriveWheels()
	other := append(generated(t, mods), "# an older version")
	r := newModRig(t, mods, "check", other, lizardtest.Config{})
	st := r.waitStatus("mismatch reported", func(s lizard.Status) bool { return s.Startup.Actual != "" })
	code := generated(t, mods)
	if st.Startup.Match || st.Startup.Expected != hex(code.Checksum()) || st.Startup.Actual != hex(other.Checksum()) {
		t.Fatalf("startup %+v", st.Startup)
	}
	if err := r.d.Drive(0.3, 0); !errors.Is(err, lizard.ErrStartupMismatch) {
		t.Fatalf("drive: %v", err)
	}
	if !strings.HasPrefix(strings.Join(st.Refusing, ";"), "startup code mismatch (expected "+hex(code.Checksum())) {
		t.Fatalf("refusing %q", st.Refusing)
	}

	off := newModRig(t, odriveWheels(), "off", other, lizardtest.Config{})
	if err := off.d.Drive(0.3, 0); err != nil {
		t.Fatalf("off mode: %v", err)
	}
	if s := off.d.Status().Startup; s.Mode != "off" || s.Actual != "" {
		t.Fatalf("off mode asked: %+v", s)
	}
}

// TestStartupAuto: auto mode uploads the code, the controller restarts,
// and the robot drives.
func TestStartupAuto(t *testing.T) {
	mods := append(odriveWheels(), lizard.NewBumper("bumper", []lizard.Pin{{Name: "front", GPIO: 4}}, false, ""))
	r := newModRig(t, mods, "auto", generated(t, odriveWheels()), lizardtest.Config{})
	st := r.waitStatus("configured", func(s lizard.Status) bool { return s.Startup.Match && len(s.Refusing) == 0 })
	if !strings.HasPrefix(st.Startup.LastConfigure, "uploaded, checksum") {
		t.Fatalf("startup %+v", st.Startup)
	}
	if r.ctrl.Startup().String() != generated(t, mods).String() || r.ctrl.Restarts.Load() != 1 {
		t.Fatalf("stored %q after %d restarts", r.ctrl.Startup(), r.ctrl.Restarts.Load())
	}
	if err := r.d.Drive(0.3, 0); err != nil {
		t.Fatal(err)
	}
}

// TestSilentBMSIsStale: a BMS that stops answering is marked stale with
// its age, never fresh.
func TestSilentBMSIsStale(t *testing.T) {
	bat := &lizard.Battery{RxPin: 26, TxPin: 27, RequestInterval: 50 * time.Millisecond, StaleAfter: 10 * time.Second}
	mods := []lizard.Module{&lizard.Can{Object: "can", RxPin: 32, TxPin: 33}, &lizard.Wheels{Can: "can", RightCanAddress: 0x100}, bat}
	r := newModRig(t, mods, "off", nil, lizardtest.Config{})
	states, cancel := bat.SubscribeBattery(4)
	defer cancel()
	// Without startup code the controller has no serial "battery": it
	// must be declared first.
	for _, l := range generated(t, []lizard.Module{bat}) {
		_ = r.d.Send(l)
	}
	testwait.For(t, states, "a battery state", func(hardware.BatteryState) bool { return true })
	if s := r.d.ModuleStatus()["battery"].(map[string]any); s["stale"] != false || s["percentage"].(float64) < 79 {
		t.Fatalf("fresh battery status %v", s)
	}
	r.ctrl.SetBMSSilent(true)
	r.now.Forward(time.Minute)
	s := r.d.ModuleStatus()["battery"].(map[string]any)
	if s["stale"] != true || s["age_s"].(float64) < 60 {
		t.Fatalf("silent battery status %v", s)
	}
}

// TestSilentControllerIsNotReady: a controller that restarts and never
// comes back: "Ready." never arrives, core messages stop, and the driver
// counts it as not ready (drive refused, e-stops active) instead of
// trusting the last values.
func TestSilentControllerIsNotReady(t *testing.T) {
	t.Parallel() // waits out a timeout on a controller of its own
	mods := append(odriveWheels(), lizard.NewEStop("estop", []lizard.Pin{{Name: "front", GPIO: 34}}, true, ""))
	r := newModRig(t, mods, "check", generated(t, mods), lizardtest.Config{NoReady: true})
	r.waitStatus("startup known", func(s lizard.Status) bool { return len(s.Refusing) == 0 })
	ready, cancel := r.d.SubscribeReady(4)
	defer cancel()
	if err := r.d.Send("core.restart()"); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, ready, "not ready", testwait.Equal(false))
	if err := r.d.Drive(0.3, 0); !errors.Is(err, lizard.ErrNotReady) || !r.d.EStop().Active() {
		t.Fatalf("drive %v, e-stop active %v", err, r.d.EStop().Active())
	}
	if st := r.d.Status(); !slices.Contains(st.Refusing, "controller not ready (no core messages since connecting)") {
		t.Fatalf("refusing %q", st.Refusing)
	}
}

// TestStartupAutoFails: auto mode on a controller that never comes back
// from the restart: the failure is in the status, and nothing drives.
func TestStartupAutoFails(t *testing.T) {
	t.Parallel() // waits out a timeout on a controller of its own
	mods := odriveWheels()
	// Not waiting for ready: the upload may start before the first core
	// message, and the controller never comes back.
	r := startModRig(t, mods, "auto", append(generated(t, mods), "# old"), lizardtest.Config{NoReady: true}, false)
	st := r.waitStatus("configure failed", func(s lizard.Status) bool { return s.Startup.LastConfigure != "" })
	if !strings.HasPrefix(st.Startup.LastConfigure, "failed: no Ready. after core.restart()") || st.Startup.Match {
		t.Fatalf("startup %+v", st.Startup)
	}
	if err := r.d.Drive(0.3, 0); err == nil {
		t.Fatal("drives after a failed configure")
	}
}

// TestWheelsObjectName: the wheels object is named in robot.yaml; the
// driver drives and reads it by that name.
func TestWheelsObjectName(t *testing.T) {
	mods := []lizard.Module{&lizard.Can{Object: "bus", RxPin: 32, TxPin: 33}, &lizard.Wheels{Object: "drive", Can: "bus", RightCanAddress: 256, MPerTick: 0.02, Width: 0.6}}
	code := generated(t, mods)
	if !slices.Contains(code, "drive = ODriveWheels(drive_left, drive_right)") || !slices.Contains(code, "drive_left.m_per_tick = 0.02") || !slices.Contains(code, "drive.width = 0.6") {
		t.Fatalf("code %q", code)
	}
	r := newModRig(t, mods, "check", code, lizardtest.Config{})
	r.waitStatus("startup known", func(s lizard.Status) bool { return len(s.Refusing) == 0 })
	vel, cancel := r.d.SubscribeVelocity(1024)
	defer cancel()
	if err := r.d.Drive(0.4, 0); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, r.cmds, "the named speed command", testwait.Equal("drive.speed(0.400, 0.000)"))
	testwait.For(t, vel, "the named object's speed", func(v hardware.Velocity) bool { return v.Linear == 0.4 })
}
