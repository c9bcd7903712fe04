package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/config"
)

const full = `
name: demo
board: sim
control_period: 10ms
shutdown_timeout: 5s
http: 127.0.0.1:8080
http_token: ""
persistence:
  snapshot_interval: 0
  snapshot_access: full
  persistence_mode: persisting
  continue_after_replay: true
  keep_generations: 5
  max_file_bytes: 1048576
  backend:
    filesystem: {path: ~/.rosys}
backup_schedule: {time: "03:00", directory: ~/.rosys_backup, backup_count: 100}
hardware:
  lizard: {port: /dev/serial0, baud: 115200, core_fields: [wheels.linear_speed:3, estop.active]}
  estop: {pin: GPIO17, active_low: true, debounce: 20ms}
automation: {auto_resume: true}
`

func TestParseFull(t *testing.T) {
	r, err := config.Parse([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "demo" || r.ControlPeriod.D() != 10*time.Millisecond || r.ShutdownTimeout.D() != 5*time.Second {
		t.Fatalf("%+v", r)
	}
	p := r.Persistence
	if p.SnapshotInterval == nil || p.SnapshotInterval.D() != 0 || p.SnapshotAccess != "full" ||
		p.PersistenceMode != "persisting" || !*p.ContinueAfterReplay || p.Backend.Filesystem.Path != "~/.rosys" || p.KeepGenerations != 5 || p.MaxFileBytes != 1<<20 {
		t.Fatalf("persistence %+v", p)
	}
	if h, m := r.BackupSchedule.Time.HourMinute(); h != 3 || m != 0 || r.BackupSchedule.BackupCount != 100 {
		t.Fatalf("schedule %+v", r.BackupSchedule)
	}
	if l := r.Hardware.Lizard; l.Port != "/dev/serial0" || l.Baud != 115200 || len(l.CoreFields) != 2 {
		t.Fatalf("lizard %+v", l)
	}
	if e := r.Hardware.EStop; e.Pin != "GPIO17" || !e.ActiveLow || e.Debounce.D() != 20*time.Millisecond {
		t.Fatalf("estop %+v", e)
	}
	if !r.Automation.AutoResume {
		t.Fatal("automation.auto_resume")
	}
}

func TestDefaults(t *testing.T) {
	r, err := config.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "demo" || r.Board != "sim" || r.HTTPAddress() != "127.0.0.1:8080" || r.Persistence.SnapshotInterval != nil || r.Automation.AutoResume {
		t.Fatalf("%+v", r)
	}
	r, err = config.Parse([]byte("http: \"off\"\n"))
	if err != nil || r.HTTPAddress() != "" {
		t.Fatalf("http off: %v %q", err, r.HTTPAddress())
	}
}

func TestBadConfigsNameKeyAndLine(t *testing.T) {
	t.Setenv("ROSYS_HTTP_TOKEN", "")
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown key":       {"name: x\ncontrol_perod: 10ms\n", "line 2: unknown key control_perod"},
		"unknown nested":    {"persistence:\n  snapshot_intervall: 1s\n", "line 2: unknown key snapshot_intervall"},
		"wrong type":        {"name: [1, 2]\n", "line 1: cannot unmarshal !!seq into string"},
		"bare number":       {"control_period: 10\n", `line 1: control_period: "10" is not a duration with a unit`},
		"negative":          {"control_period: -1s\n", "line 1: control_period: -1s is out of range"},
		"bad enum":          {"persistence:\n  snapshot_access: fulll\n", `line 2: snapshot_access "fulll" is not one of full, record, replay, offsets_only`},
		"bad board":         {"board: rpi9\n", `line 1: board "rpi9" is not one of`},
		"bad time":          {"backup_schedule: {time: \"25:00\"}\n", `line 1: "25:00" is not a time of day`},
		"bad baud type":     {"hardware:\n  lizard: {baud: fast}\n", "line 2: hardware.lizard.baud: \"fast\" is not a whole number"},
		"open http":         {"http: 0.0.0.0:8080\n", "set http_token"},
		"bad http":          {"http: localhost\n", `http: "localhost" is not host:port`},
		"two backends":      {"persistence:\n  backend: {filesystem: {path: /a}, s3: {bucket: b}}\n", "persistence.backend: name only one"},
		"split and simple":  {"persistence:\n  backend: {filesystem: {path: /a}}\n  metadata_storage: {filesystem: {path: /b}}\n  snapshot_storage: {filesystem: {path: /c}}\n", "either backend or"},
		"half split":        {"persistence:\n  metadata_storage: {filesystem: {path: /b}}\n", "go together"},
		"empty backend":     {"persistence:\n  backend: {}\n", "name filesystem or s3"},
		"two documents":     {"name: a\n---\nname: b\n", "more than one YAML document"},
		"not a mapping":     {"- a\n- b\n", "cannot unmarshal !!seq"},
		"empty name":        {"name: \"\"\n", "name: must not be empty"},
		"negative max file": {"persistence:\n  max_file_bytes: -1\n", "line 2: persistence.max_file_bytes: -1 is out of range 4KiB to 1GiB"},
		"bad format":        {"persistence:\n  format: rosys-py\n", `line 2: format "rosys-py" is not one of rosys-go, rosys`},
		"format type":       {"persistence:\n  format: [rosys]\n", `line 2: format "" is not one of rosys-go, rosys`},
		"bad storage":       {"backup_schedule:\n  storage: cloud\n", `line 2: storage "cloud" is not one of local, backend`},
		"storage no remote": {"backup_schedule:\n  storage: backend\n", "backup_schedule.storage: backend needs persistence.backend"},
		"automation key":    {"automation:\n  auto_resum: true\n", "line 2: unknown key auto_resum"},
		"automation type":   {"automation: {auto_resume: sometimes}\n", "line 1: cannot unmarshal !!str `sometimes` into bool"},
		"shape two points":  {"robot_shape:\n  outline: [{x: 0, y: 0}, {x: 1, y: 0}]\n", "line 2: robot_shape.outline: 2 points; an outline takes 3 to 64"},
		"shape flat":        {"robot_shape:\n  outline: [{x: 0, y: 0}, {x: 1, y: 0}, {x: 2, y: 0}]\n", "the points enclose 0.0000 m²"},
		"shape centimetres": {"robot_shape:\n  outline: [{x: -50, y: -50}, {x: 50, y: -50}, {x: 0, y: 50}]\n", "robot_shape.outline[0].x: -50 is out of range -10 to 10"},
		"shape key":         {"robot_shape:\n  outline: [{x: 0, y: 0, z: 1}]\n", "unknown key z"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestRobotShape(t *testing.T) {
	r, err := config.Parse([]byte("robot_shape:\n  outline: [{x: -0.4, y: -0.3}, {x: 0.6, y: -0.3}, {x: 0.6, y: 0.3}, {x: -0.4, y: 0.3}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s := r.RobotShape; s == nil || len(s.Outline) != 4 || s.Outline[1] != (config.ShapePoint{X: 0.6, Y: -0.3}) {
		t.Fatalf("robot_shape %+v", r.RobotShape)
	}
	if d, _ := config.Parse([]byte("name: x\n")); d.RobotShape != nil {
		t.Fatal("a shape without robot_shape")
	}
}

func TestTokenFromEnvironment(t *testing.T) {
	t.Setenv("ROSYS_HTTP_TOKEN", "s3cret-s3cret-s3cret")
	r, err := config.Parse([]byte("http: 0.0.0.0:8080\n"))
	if err != nil || r.Token() != "s3cret-s3cret-s3cret" {
		t.Fatalf("%v %q", err, r.Token())
	}
}

func TestLoadNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "robot.yaml")
	os.WriteFile(path, []byte("name: [\n"), 0o644)
	_, err := config.Load(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("%v", err)
	}
	if _, err := config.Load(path + ".missing"); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestExampleConfigsParse(t *testing.T) {
	paths, _ := filepath.Glob("../examples/*.yaml")
	for _, p := range paths {
		if _, err := config.Load(p); err != nil {
			t.Errorf("%v", err)
		}
	}
}

func TestPersistenceFormat(t *testing.T) {
	t.Setenv("ROSYS_HTTP_TOKEN", "")
	r, err := config.Parse([]byte("persistence:\n  format: rosys\n"))
	if err != nil || r.Persistence.Format != "rosys" {
		t.Fatalf("%v %q", err, r.Persistence.Format)
	}
	r, err = config.Parse([]byte("name: a\n"))
	if err != nil || r.Persistence.Format != "" {
		t.Fatalf("default format: %v %q (empty means rosys-go)", err, r.Persistence.Format)
	}
}

// ROSYS_HTTP moves the demo robot, and a robot.yaml without an http key;
// robot.yaml's own http key wins, as its data directory wins over
// ROSYS_DATA_DIR.
func TestListenAddressFromEnvironment(t *testing.T) {
	t.Setenv("ROSYS_HTTP_TOKEN", "")
	t.Setenv("ROSYS_HTTP", "127.0.0.1:9191")
	if r, err := config.Parse(nil); err != nil || r.HTTPAddress() != "127.0.0.1:9191" {
		t.Fatalf("demo robot: %v %q", err, r.HTTPAddress())
	}
	if r, err := config.Parse([]byte("name: a\n")); err != nil || r.HTTPAddress() != "127.0.0.1:9191" {
		t.Fatalf("robot.yaml without http: %v %q", err, r.HTTPAddress())
	}
	if r, err := config.Parse([]byte("http: 127.0.0.1:7000\n")); err != nil || r.HTTPAddress() != "127.0.0.1:7000" {
		t.Fatalf("robot.yaml with http: %v %q", err, r.HTTPAddress())
	}
	t.Setenv("ROSYS_HTTP", "0.0.0.0:8080")
	if _, err := config.Parse(nil); err == nil || !strings.Contains(err.Error(), "(from ROSYS_HTTP)") {
		t.Fatalf("an open address from ROSYS_HTTP without a token: %v", err)
	}
	t.Setenv("ROSYS_HTTP", "nonsense")
	if _, err := config.Parse(nil); err == nil || !strings.Contains(err.Error(), `"nonsense" is not host:port or "off" (from ROSYS_HTTP)`) {
		t.Fatalf("a bad ROSYS_HTTP: %v", err)
	}
}
