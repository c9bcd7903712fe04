package robot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/internal/testwait"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/rosystest"
	"go.uber.org/zap/zaptest"
)

// robotYAML is a simulated robot with bumpers and a battery declared as
// Lizard modules: board sim runs their twins.
const robotYAML = `name: assembled
board: sim
http: %s
persistence: {snapshot_interval: 0s}
hardware:
  lizard:
    modules:
      - {type: bumper, name: bumper, pins: {front: 21}}
      - {type: battery, name: battery, rx_pin: 26, tx_pin: 27, baud: 9600}
`

func loadConfig(t *testing.T, http string) *config.Robot {
	t.Helper()
	p := filepath.Join(t.TempDir(), "robot.yaml")
	if err := os.WriteFile(p, []byte(strings.Replace(robotYAML, "%s", http, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Trip is a module of the user's own, persisted as trip.json.
type Trip struct {
	Metres float64 `json:"metres"`
}

// ticker is a user's Stepper in the control loop: it says when it ticks.
type ticker struct{ ticked chan struct{} }

func (c *ticker) Step(time.Time, time.Duration) {
	select {
	case c.ticked <- struct{}{}:
	default:
	}
}

// running runs r until the returned stop is called; stop returns Run's
// result.
func running(t *testing.T, r *robot.Robot) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- r.Run(ctx) }()
	select {
	case <-r.Runtime.Ready():
	case err := <-result:
		cancel()
		t.Fatalf("run: %v", err)
	}
	done := false
	t.Cleanup(func() {
		if !done {
			cancel()
			<-result
		}
	})
	return func() error { done = true; cancel(); return <-result }
}

func get(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, b)
	}
}

// TestNewServesTheRobot builds a robot from robot.yaml in-process, adds
// a persistent module and a stepper of the user's own, runs it on the
// real clock and its real HTTP API: status shows the simulated hardware
// with the twins of the configured modules, a PUT to the user's module
// is on disk after the final flush, and a new robot on the same data
// directory restores it.
func TestNewServesTheRobot(t *testing.T) {
	data := t.TempDir()
	cfg := loadConfig(t, "127.0.0.1:0")
	r, err := robot.New(cfg, robot.Options{DataDir: data, Log: zaptest.NewLogger(t), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	trip := persistence.NewValue(Trip{})
	changed := make(chan Trip, 4)
	trip.OnChange(func(v Trip) { changed <- v })
	tick := &ticker{ticked: make(chan struct{}, 1)}
	if err := r.Runtime.Add("trip", trip, rosys.Persist()); err != nil {
		t.Fatal(err)
	}
	if err := r.Runtime.Add("ticker", tick); err != nil {
		t.Fatal(err)
	}
	stop := running(t, r)
	base := "http://" + r.Addr()

	var status struct {
		Hardware robot.HardwareStatus `json:"hardware"`
	}
	get(t, base+"/api/status", &status)
	drivers, _ := status.Hardware.Drivers.(map[string]any)
	bumper, _ := drivers["bumper"].(map[string]any)
	battery, _ := drivers["battery"].(map[string]any)
	if !status.Hardware.Simulated || status.Hardware.EStop || bumper["type"] != "bumper" || bumper["simulated"] != true || battery == nil {
		t.Fatalf("hardware status %+v", status.Hardware)
	}
	var modules []struct{ Key string }
	get(t, base+"/api/modules", &modules)
	var keys []string
	for _, m := range modules {
		keys = append(keys, m.Key)
	}
	// The standard persistent modules and the user's; not the demo's
	// waypoints and model.
	if strings.Join(keys, " ") != "pose automation driving_parameters soft_estop path_planner trip" {
		t.Fatalf("modules %v", keys)
	}
	req, _ := http.NewRequest("PUT", base+"/api/modules/trip", strings.NewReader(`{"metres": 12.5}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT trip: %d", resp.StatusCode)
	}
	testwait.For(t, changed, "trip 12.5", testwait.Equal(Trip{Metres: 12.5}))
	testwait.For(t, tick.ticked, "a tick of the user's stepper", func(struct{}) bool { return true })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp", r.Addr()); err == nil {
		t.Fatal("still listening after Run returned")
	}
	b, err := os.ReadFile(filepath.Join(data, "trip.json"))
	if err != nil || !strings.Contains(string(b), `"metres": 12.5`) {
		t.Fatalf("trip.json after the final flush: %s %v", b, err)
	}

	// The same data directory: the store's lock was released, the value
	// comes back.
	r2, err := robot.New(cfg, robot.Options{DataDir: data, Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	trip2 := persistence.NewValue(Trip{})
	if err := r2.Runtime.Add("trip", trip2, rosys.Persist()); err != nil {
		t.Fatal(err)
	}
	stop2 := running(t, r2)
	if got := trip2.Get(); got.Metres != 12.5 {
		t.Fatalf("restored trip %+v", got)
	}
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
}

// hold is a stop of the user's own (a light curtain, say).
type hold struct{ on atomic.Bool }

func (h *hold) Active() bool { return h.on.Load() }

// TestVirtualTime runs a robot from robot.yaml on the virtual clock: an
// automation of the user's own drives, a stop of the user's own added to
// the arbiter halts the wheels on the next tick and pauses it naming the
// stop, and after resuming it arrives.
func TestVirtualTime(t *testing.T) {
	clock := rosystest.NewVirtualClock()
	r, err := robot.New(loadConfig(t, "off"), robot.Options{DataDir: t.TempDir(), Log: zaptest.NewLogger(t), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if r.Addr() != "" {
		t.Fatalf("http: off listens at %s", r.Addr())
	}
	curtain := &hold{}
	if err := r.Arbiter.AddStop("light curtain", curtain); err != nil {
		t.Fatal(err)
	}
	if err := r.Automator.Register("out", func(ctx context.Context, h *automation.Handle) error {
		return r.Driver.DriveTo(ctx, driving.Point{X: 1, Y: 0})
	}); err != nil {
		t.Fatal(err)
	}
	stop := running(t, r)
	if err := r.Automator.Start("out"); err != nil {
		t.Fatal(err)
	}
	if err := clock.ForwardUntil(func() bool { return r.Odometer.Pose().X > 0.3 }, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	curtain.on.Store(true)
	if err := clock.Forward(10 * time.Millisecond); err != nil { // the next tick
		t.Fatal(err)
	}
	if tgt := r.SimWheels.Target(); tgt.Linear != 0 || tgt.Angular != 0 {
		t.Fatalf("wheels commanded %+v with the user's stop active", tgt)
	}
	if err := clock.ForwardUntil(func() bool { return r.Automator.Status().State == automation.Paused }, time.Second); err != nil {
		t.Fatal(err)
	}
	if st := r.Automator.Status(); st.Reason != "light curtain" {
		t.Fatalf("paused for %q, want the user's stop", st.Reason)
	}
	curtain.on.Store(false)
	if err := r.Automator.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := clock.ForwardUntil(func() bool { return r.Automator.Status().State == automation.Completed }, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if x := r.Odometer.Pose().X; x < 0.9 || x > 1.1 {
		t.Fatalf("arrived at x=%.3f", x)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestNewRefuses: a replay config is not a robot to run, and a failed New
// leaves nothing open (the data directory can be used at once).
func TestNewRefuses(t *testing.T) {
	data := t.TempDir()
	cfg := loadConfig(t, "127.0.0.1:0")
	cfg.Persistence.PersistenceMode = "speedrun_replay"
	if _, err := robot.New(cfg, robot.Options{DataDir: data}); !errors.Is(err, robot.ErrReplayMode) {
		t.Fatalf("replay config: %v, want ErrReplayMode", err)
	}

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg = loadConfig(t, busy.Addr().String())
	if _, err := robot.New(cfg, robot.Options{DataDir: data}); err == nil || !strings.Contains(err.Error(), "http") {
		t.Fatalf("port in use: %v", err)
	}
	r, err := robot.New(loadConfig(t, "off"), robot.Options{DataDir: data})
	if err != nil {
		t.Fatalf("data directory still locked after a failed New: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// automation.start_on_first_run naming no registered automation stops
// start-up with the key named, on a robot's first run and on a later one
// (whose stored state means nothing would be started).
func TestStartOnFirstRunNamesAnAutomation(t *testing.T) {
	dir := t.TempDir()
	build := func(name string) *robot.Robot {
		cfg := loadConfig(t, "off")
		cfg.Automation.StartOnFirstRun = name
		r, err := robot.New(cfg, robot.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Automator.Register("square", func(context.Context, *automation.Handle) error { return nil }); err != nil {
			t.Fatal(err)
		}
		return r
	}
	want := `automation.start_on_first_run: no automation registered under that name: "nope"`
	if err := build("nope").Run(context.Background()); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("first run: %v", err)
	}
	// A run that stores the automation's state...
	r := build("")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	<-r.Runtime.Ready()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "automation.json")); err != nil {
		t.Fatal(err)
	}
	// ...and a later one with the bad name.
	if err := build("nope").Run(context.Background()); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("later run: %v", err)
	}
}
