package lizard_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testwait"

	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap/zaptest"
)

// failAfter bounds waits that are not on a channel.
const failAfter = testwait.Bound

type rig struct {
	t    *testing.T
	ctrl *lizardtest.Controller
	d    *lizard.Driver
}

func newRig(t *testing.T, cfg lizardtest.Config) *rig {
	t.Helper()
	cfg.Link = lizardtest.TempLink(t.TempDir())
	ctrl, err := lizardtest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctrl.Close)
	d, err := lizard.New(lizard.Config{Port: cfg.Link, Log: zaptest.NewLogger(t), ReconnectMin: 20 * time.Millisecond, ReconnectMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ready, cancel := d.SubscribeReady(8)
	defer cancel()
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Stop(context.Background()) })
	r := &rig{t: t, ctrl: ctrl, d: d}
	r.waitBool(ready, true, "controller ready")
	return r
}

func (r *rig) waitBool(ch <-chan bool, want bool, what string) {
	r.t.Helper()
	testwait.For(r.t, ch, what, testwait.Equal(want))
}

func waitVelocity(t *testing.T, ch <-chan hardware.Velocity, what string, ok func(hardware.Velocity) bool) hardware.Velocity {
	t.Helper()
	return testwait.For(t, ch, what, ok)
}

func waitString(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	testwait.For(t, ch, want, testwait.Equal(want))
}

func TestSpeedRoundTrip(t *testing.T) {
	for _, lf := range []bool{false, true} {
		name := map[bool]string{false: "CRLF", true: "LF"}[lf]
		t.Run(name, func(t *testing.T) {
			r := newRig(t, lizardtest.Config{LF: lf})
			cmds, cancel := r.ctrl.Received(64)
			defer cancel()
			vel, cancelV := r.d.SubscribeVelocity(64)
			defer cancelV()
			if err := r.d.Drive(0.5, -0.25); err != nil {
				t.Fatal(err)
			}
			waitString(t, cmds, "wheels.speed(0.500, -0.250)")
			v := waitVelocity(t, vel, "measured 0.5 m/s", func(v hardware.Velocity) bool { return v.Linear == 0.5 && v.Angular == -0.25 })
			// Mapped to the host's clock, not the controller's uptime:
			// a wrong mapping is off by hours. The bound leaves a loaded
			// machine time to hand the value over.
			if d := time.Since(v.Time); d < 0 || d > 5*time.Second {
				t.Fatalf("hardware time mapped %v from now", d)
			}
			if r.d.EStop().Active() {
				t.Fatal("e-stop reported active")
			}
			st := r.d.Status()
			if !st.Ready || !st.Connected || st.BadChecksums != 0 || st.Lines == 0 {
				t.Fatalf("status %+v", st)
			}
		})
	}
}

func TestEStopFromCoreField(t *testing.T) {
	r := newRig(t, lizardtest.Config{})
	changes, cancel := r.d.EStop().SubscribeChanges(8)
	defer cancel()
	r.ctrl.EStop.Press()
	r.waitBool(changes, true, "e-stop active")
	if !r.d.EStop().Active() {
		t.Fatal("not active")
	}
	r.ctrl.EStop.Release()
	r.waitBool(changes, false, "e-stop released")
}

func TestBadLinesAreCountedAndDropped(t *testing.T) {
	r := newRig(t, lizardtest.Config{})
	msgs, cancel := r.d.SubscribeMessages(16)
	defer cancel()
	vel, cancelV := r.d.SubscribeVelocity(1024)
	defer cancelV()
	// A core line with a wrong checksum, one without, garbage, an overlong
	// line, and a core line with too few values: none may move the robot.
	_ = r.ctrl.SendRaw([]byte("core 1 9.000 9.000 false@00\r\n"))
	_ = r.ctrl.SendRaw([]byte("core 1 9.000 9.000 false\r\n"))
	_ = r.ctrl.SendRaw([]byte("\x00\xff\xfe\x01garbage\n"))
	_ = r.ctrl.SendRaw([]byte(strings.Repeat("9", 3*wire.MaxLineLength) + "\n"))
	_ = r.ctrl.Send("core 1 9.000")
	_ = r.ctrl.Send("marker")
	waitString(t, msgs, "marker") // order is kept: everything before it was handled
	st := r.d.Status()
	if st.BadChecksums != 3 || st.Overlong != 1 || st.Mismatches != 1 || !st.Ready {
		t.Fatalf("status %+v", st)
	}
	if !strings.Contains(st.LastError, `received "1 9.000"`) {
		t.Fatalf("mismatch not reported with what was received: %q", st.LastError)
	}
	for len(vel) > 0 {
		if v := <-vel; v.Linear == 9 {
			t.Fatal("a bad line set the velocity")
		}
	}
}

func TestRefusedUntilReady(t *testing.T) {
	d, err := lizard.New(lizard.Config{Port: t.TempDir() + "/nothing-here"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Drive(1, 0); !errors.Is(err, lizard.ErrNotReady) {
		t.Fatalf("Drive before ready = %v", err)
	}
	if err := d.Send("core.info()"); !errors.Is(err, lizard.ErrNotConnected) {
		t.Fatalf("Send before connect = %v", err)
	}
	if !d.EStop().Active() {
		t.Fatal("unknown e-stop state must count as active")
	}
	if _, err := lizard.New(lizard.Config{Port: "/dev/x", CoreFields: []string{"estop.active"}}); err == nil {
		t.Fatal("fields without speeds accepted")
	}
}

func TestUnplugAndReplug(t *testing.T) {
	r := newRig(t, lizardtest.Config{})
	ready, cancel := r.d.SubscribeReady(8)
	defer cancel()
	vel, cancelV := r.d.SubscribeVelocity(1024)
	defer cancelV()
	if err := r.d.Drive(0.3, 0); err != nil {
		t.Fatal(err)
	}
	waitVelocity(t, vel, "moving", func(v hardware.Velocity) bool { return v.Linear == 0.3 })

	r.ctrl.Unplug()
	r.waitBool(ready, false, "not ready after unplug")
	if v := r.d.Velocity(); v.Linear != 0 || v.Angular != 0 {
		t.Fatalf("wheels not considered stopped while unplugged: %+v", v)
	}
	if err := r.d.Drive(0.3, 0); !errors.Is(err, lizard.ErrNotReady) {
		t.Fatalf("Drive while unplugged = %v", err)
	}
	if err := r.ctrl.Replug(); err != nil {
		t.Fatal(err)
	}
	r.waitBool(ready, true, "ready after replug")
	if err := r.d.Drive(0.2, 0); err != nil {
		t.Fatal(err)
	}
	waitVelocity(t, vel, "moving again", func(v hardware.Velocity) bool { return v.Linear == 0.2 })
	if st := r.d.Status(); st.Reconnects < 1 {
		t.Fatalf("status %+v", st)
	}
}

func TestHeartbeatKeepsMotorsRunning(t *testing.T) {
	r := newRig(t, lizardtest.Config{KeepAliveTimeout: 300 * time.Millisecond})
	cmds, cancel := r.ctrl.Received(256)
	defer cancel()
	if err := r.d.Drive(0.4, 0); err != nil {
		t.Fatal(err)
	}
	// Ten heartbeats (~1 s, over three keep-alive timeouts) with no other
	// command: the controller's rule must not have fired.
	for range 10 {
		waitString(t, cmds, lizard.DefaultKeepAliveCommand)
	}
	if r.ctrl.Halted() || r.ctrl.Wheels.Velocity().Linear != 0.4 {
		t.Fatalf("motors stopped although the host is alive: halted %v", r.ctrl.Halted())
	}
}

// TestSilentHostStopsMotors plays a runtime that dies: it opens the port
// with the real serial library, commands a speed and goes silent. The
// controller's keep-alive rule must stop the motors.
func TestSilentHostStopsMotors(t *testing.T) {
	link := lizardtest.TempLink(t.TempDir())
	ctrl, err := lizardtest.Start(lizardtest.Config{Link: link, KeepAliveTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer ctrl.Close()
	port, err := lizard.OpenSerial(link, lizard.DefaultBaud)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	vel, cancel := ctrl.Wheels.SubscribeVelocity(1024)
	defer cancel()
	if _, err := port.Write(wire.AppendLine(nil, "wheels.speed(0.500, 0.000)")); err != nil {
		t.Fatal(err)
	}
	waitVelocity(t, vel, "motors running", func(v hardware.Velocity) bool { return v.Linear == 0.5 })
	waitVelocity(t, vel, "motors stopped by the keep-alive rule", func(v hardware.Velocity) bool { return v.Linear == 0 })
	if !ctrl.Halted() {
		t.Fatal("stopped, but not by the keep-alive rule")
	}
}

// TestDriveOnALiveLinkAllocatesNothing: Drive on a connected driver, what
// the control step calls every tick, allocates nothing (handing the speed
// to the writer included), and the newest speed reaches the controller.
func TestDriveOnALiveLinkAllocatesNothing(t *testing.T) {
	r := newRig(t, lizardtest.Config{})
	cmds, cancel := r.ctrl.Received(1024)
	defer cancel()
	i := 0
	allocs := testing.AllocsPerRun(100, func() {
		i++
		if err := r.d.Drive(float64(i)/1000, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per Drive", allocs)
	}
	waitString(t, cmds, fmt.Sprintf("wheels.speed(%.3f, 0.000)", float64(i)/1000))
}

// TestControllerObserveHooks: the simulated controller reports each
// command line as it reads it and each line as it writes it, with the
// time, on its own goroutines (what bench/e2e.go times with).
func TestControllerObserveHooks(t *testing.T) {
	type seen struct {
		s  string
		at time.Time
	}
	read, wrote := make(chan seen, 4096), make(chan seen, 4096)
	before := time.Now()
	r := newRig(t, lizardtest.Config{
		Observe: func(cmd string, at time.Time) {
			select {
			case read <- seen{cmd, at}:
			default:
			}
		},
		ObserveSent: func(line []byte, at time.Time) {
			select {
			case wrote <- seen{string(line), at}:
			default:
			}
		}})
	if err := r.d.Drive(0.25, 0); err != nil {
		t.Fatal(err)
	}
	c := testwait.For(t, read, "the speed command read", func(s seen) bool { return s.s == "wheels.speed(0.250, 0.000)" })
	l := testwait.For(t, wrote, "a core line written", func(s seen) bool { return strings.HasPrefix(s.s, "core ") })
	if c.at.Before(before) || l.at.Before(before) || !strings.HasSuffix(l.s, "\r\n") {
		t.Fatalf("command %+v, line %+v (started %v)", c, l, before)
	}
}
