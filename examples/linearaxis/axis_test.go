package linearaxis_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/examples/linearaxis"
	"github.com/gorosys/rosys/internal/testwait"
	"github.com/gorosys/rosys/robot"
	"go.uber.org/zap/zaptest"
)

var opts = robot.Options{LizardTypes: []robot.LizardType{linearaxis.Type()}}

func load(t *testing.T) *config.Robot {
	t.Helper()
	cfg, err := robot.Load("robot.yaml", opts)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The example's startup code: the axis's objects and rules after the
// e-stop, all of it accepted by the Lizard firmware's rules.
func TestStartupCodeObeysTheFirmware(t *testing.T) {
	code, err := robot.LizardCode(load(t).Hardware.Lizard, opts.LizardTypes...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"axis_in = Output(25)", "axis_end_out = Input(39)", "axis_end_in.inverted = true",
		"when axis_end_out.active then axis_out.off(); end", "when core.last_message_age > 1000 then axis_in.off(); axis_out.off(); end"} {
		if !strings.Contains(code.String(), want+"\n") {
			t.Errorf("startup code lacks %q:\n%s", want, code)
		}
	}
	last := code[len(code)-1]
	if !strings.Contains(last, "axis_end_in.active axis_end_out.active axis_in.level axis_out.level") {
		t.Errorf("core output lacks the axis's fields: %s", last)
	}
	// Without the registration, the type is unknown: to config.Load and
	// to the assembly alike.
	if _, err := config.Load("robot.yaml"); err == nil || !strings.Contains(err.Error(), `unknown module type "linear_axis"`) {
		t.Fatalf("config.Load without the type: %v", err)
	}
}

// The axis on the simulated controller over a real pty: configured by
// upload, driven out, stopped at the end switch (by the host as well as
// the controller's rule), refused a move into the end it is at, and
// reported in the driver's status.
func TestAxisOnTheSimulatedController(t *testing.T) {
	cfg := load(t)
	mods, err := robot.LizardModules(cfg.Hardware.Lizard.Modules, opts.LizardTypes...)
	if err != nil {
		t.Fatal(err)
	}
	ctrl, err := lizardtest.Start(lizardtest.Config{Link: lizardtest.TempLink(t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctrl.Close)
	cmds, cancel := ctrl.Received(8192)
	t.Cleanup(cancel)
	d, err := lizard.New(lizard.Config{Port: ctrl.Link(), Modules: mods, Configure: "auto", Log: zaptest.NewLogger(t),
		ConfigureOptions: lizard.ConfigureOptions{ReadyTimeout: 5 * time.Second, AnswerTimeout: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ready, cancelR := d.SubscribeReady(8)
	defer cancelR()
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Stop(context.Background()) })
	testwait.For(t, ready, "controller ready", testwait.Equal(true))

	var axis linearaxis.Axis
	for _, m := range d.Modules() {
		if c, ok := lizard.AsCustom(m); ok && c.Name() == "axis" {
			axis = c.(linearaxis.Axis)
		}
	}
	if axis == nil {
		t.Fatal("the driver has no axis module")
	}
	// Configured: the controller holds the generated code.
	if got, want := ctrl.Startup().Checksum(), d.Code().Checksum(); got != want {
		t.Fatalf("controller checksum %04x, generated %04x", got, want)
	}
	waitAxis := func(what string, ok func(linearaxis.State) bool) linearaxis.State {
		t.Helper()
		var st linearaxis.State
		testwait.Until(t, what, func() bool { st = axis.State(); return ok(st) })
		return st
	}
	waitAxis("stopped, between the ends", func(s linearaxis.State) bool {
		return !s.Time.IsZero() && s.Direction == 0 && !s.AtIn && !s.AtOut
	})

	if err := axis.MoveOut(); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, cmds, "axis_out.on() at the controller", testwait.Equal("axis_out.on()"))
	waitAxis("moving out", func(s linearaxis.State) bool { return s.Direction == 1 })

	// The carriage reaches the outer end switch: the motor stops.
	if err := ctrl.Press("axis_end_out"); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, cmds, "axis_out.off() from the host", testwait.Equal("axis_out.off()"))
	st := waitAxis("stopped at the outer end", func(s linearaxis.State) bool { return s.AtOut && s.Direction == 0 })
	if st.AtIn {
		t.Fatalf("state %+v", st)
	}
	if err := axis.MoveOut(); !errors.Is(err, linearaxis.ErrAtEnd) {
		t.Fatalf("MoveOut at the outer end: %v, want ErrAtEnd", err)
	}
	// Back in: the other relay, and the status says so.
	if err := axis.MoveIn(); err != nil {
		t.Fatal(err)
	}
	_ = ctrl.Release("axis_end_out")
	waitAxis("moving in", func(s linearaxis.State) bool { return s.Direction == -1 && !s.AtOut })
	status := d.ModuleStatus()["axis"].(map[string]any)
	if status["type"] != "linear_axis" || status["direction"] != -1 || status["known"] != true {
		t.Fatalf("status %v", status)
	}
	if err := axis.Stop(); err != nil {
		t.Fatal(err)
	}
	waitAxis("stopped", func(s linearaxis.State) bool { return s.Direction == 0 })
}

// On board: sim the robot has the axis's twin: the same Axis, stepped on
// the control loop, in /api/status under hardware.drivers.axis.
func TestAxisTwinOnASimulatedRobot(t *testing.T) {
	cfg := load(t)
	cfg.Persistence.Backend = &config.Backend{Filesystem: &config.Filesystem{Path: t.TempDir()}}
	r, err := robot.New(cfg, robot.Options{DataDir: t.TempDir(), LizardTypes: opts.LizardTypes})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { stop(); <-done }()

	v, ok := r.LizardModule("axis")
	if !ok {
		t.Fatal("no module axis")
	}
	axis, ok := v.(linearaxis.Axis)
	if !ok {
		t.Fatalf("axis is a %T, not a linearaxis.Axis", v)
	}
	if _, isSim := v.(*linearaxis.Sim); !isSim {
		t.Fatalf("on board: sim the axis is a %T", v)
	}
	if err := axis.MoveIn(); !errors.Is(err, linearaxis.ErrAtEnd) {
		t.Fatalf("MoveIn at the inner end: %v", err)
	}
	if err := axis.MoveOut(); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "the twin at its outer end (2 s of travel)", func() bool { s := axis.State(); return s.AtOut && s.Direction == 0 })
	drivers, _ := r.Hardware().(robot.HardwareStatus).Drivers.(map[string]any)
	st, _ := drivers["axis"].(map[string]any)
	if st["type"] != "linear_axis" || st["at_out"] != true || st["simulated"] != true {
		t.Fatalf("status of the axis: %v", drivers["axis"])
	}
}

// Bad values of the type's own keys are errors naming the key and its
// line, as for the built-in types; so are keys it does not take.
func TestAxisKeysAreChecked(t *testing.T) {
	base, err := os.ReadFile("robot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to, want string }{
		{"move_out: 26 ", "move_out: 36 ", "line 22: hardware.lizard.modules (linear_axis \"axis\"): move_out: GPIO 36 is input-only"},
		{"end_out: 39", "end_out: 36", "line 24: hardware.lizard.modules (linear_axis \"axis\"): end_out: GPIO 36 is already end_in"},
		{"end_in: 36 ", "end_in: 99 ", "line 23: hardware.lizard.modules (linear_axis \"axis\"): end_in: GPIO 99 is out of range"},
		{"        end_in: 36              # end switches, normally closed\n", "", "end_in: missing"},
		{"inverted: true", "inverted: maybe", "line 25"},
		{"travel_time: 2s ", "speed: 2 ", "line 26: unknown key speed for a module of type linear_axis"},
		{"name: axis\n", "name: core\n", `name: "core" is reserved`},
		// Its objects (axis_end_in, ...) against the other modules' (a
		// bumper "axis_end" with a pin "in" makes axis_end_in too).
		{"      - type: linear_axis\n", "      - type: bumper\n        name: axis_end\n        pins: {in: 4}\n      - type: linear_axis\n",
			`(linear_axis "axis"): name collides: Lizard object "axis_end_in" is also made by module 1 at line 19`},
	} {
		yaml := strings.Replace(string(base), c.from, c.to, 1)
		if yaml == string(base) {
			t.Fatalf("%q not in robot.yaml", c.from)
		}
		p := filepath.Join(t.TempDir(), "robot.yaml")
		if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := robot.Load(p, opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s → %s: %v, want %q", c.from, c.to, err, c.want)
		}
	}
}

// The axis on a robot with a real driver (robot.New, as a robot's main
// does, the controller simulated on a pty): the driver uploads the code,
// r.LizardModule gives the module itself, commands reach the controller
// and /api/status has it under hardware.drivers.axis.
func TestAxisOnARobotWithItsController(t *testing.T) {
	link := lizardtest.TempLink(t.TempDir())
	ctrl, err := lizardtest.Start(lizardtest.Config{Link: link})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctrl.Close)
	cmds, cancel := ctrl.Received(8192)
	t.Cleanup(cancel)
	cfg := load(t)
	cfg.Board = "rpi4"
	cfg.Hardware.Lizard.Port = link
	cfg.Persistence.Backend = &config.Backend{Filesystem: &config.Filesystem{Path: t.TempDir()}}
	r, err := robot.New(cfg, robot.Options{DataDir: t.TempDir(), Log: zaptest.NewLogger(t), LizardTypes: opts.LizardTypes})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { stop(); <-done }()

	v, _ := r.LizardModule("axis")
	axis, ok := v.(*linearaxis.Module)
	if !ok {
		t.Fatalf("axis is a %T, not the driver's *linearaxis.Module", v)
	}
	testwait.Until(t, "the axis reported by the controller", func() bool { return !axis.State().Time.IsZero() })
	if err := axis.MoveOut(); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, cmds, "axis_out.on() at the controller", testwait.Equal("axis_out.on()"))
	testwait.Until(t, "moving out in the status", func() bool {
		drivers, _ := r.Hardware().(robot.HardwareStatus).Drivers.(map[string]any)
		st, _ := drivers["axis"].(map[string]any)
		return st["direction"] == 1 && st["simulated"] == false
	})
}
