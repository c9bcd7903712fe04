package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/config"
)

// standardModules are the persistent modules every robot has (package
// robot's Assemble); demoModules are those the demo adds.
var (
	standardModules = []string{"automation", "driving_parameters", "path_planner", "pose", "soft_estop"}
	demoModules     = []string{"model", "waypoints"}
)

// moduleKeys lists the keys GET /api/modules shows.
func moduleKeys(t *testing.T, p *proc) []string {
	t.Helper()
	code, body := p.doAny("GET", "/api/modules", "")
	if code != 200 {
		t.Fatalf("GET /api/modules: %d %v", code, body)
	}
	var keys []string
	for _, m := range body.([]any) {
		keys = append(keys, m.(map[string]any)["key"].(string))
	}
	slices.Sort(keys)
	return keys
}

func writeYAML(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "robot.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// stopClean sends SIGTERM and wants exit 0 (the final flush has run).
func stopClean(t *testing.T, p *proc) {
	t.Helper()
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.log())
	}
}

// Issue 24.4: a robot from a user's robot.yaml has exactly the standard
// modules, in the API and in its data directory, for every way of
// writing it (a bare name, a sim board, demo: false, a replay-ready
// journal section); the demo's files never appear.
func TestUserRobotHasNoDemoModules(t *testing.T) {
	endToEnd(t)
	for name, yaml := range map[string]string{
		"bare":        "name: field-bot\n",
		"sim board":   "name: field-bot\nboard: sim\ncontrol_period: 20ms\n",
		"demo false":  "name: field-bot\ndemo: false\n",
		"named demo":  "name: demo\n", // the name alone does not make the demo
		"with backup": "name: field-bot\npersistence:\n  snapshot_interval: 0s\n",
	} {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			p := startUserRobot(t, "--config", writeYAML(t, yaml), "--data-dir", data)
			if got := moduleKeys(t, p); !slices.Equal(got, standardModules) {
				t.Errorf("modules %v, want %v", got, standardModules)
			}
			if code, _ := p.do("GET", "/api/modules/model", ""); code != 404 {
				t.Errorf("GET /api/modules/model: %d, want 404", code)
			}
			if code, _ := p.do("POST", "/api/automation/start", `{"name": "waypoints"}`); code == 200 {
				t.Error("the demo's automation waypoints started on a user's robot")
			}
			stopClean(t, p)
			for _, k := range demoModules {
				if _, err := os.Stat(filepath.Join(data, k+".json")); !os.IsNotExist(err) {
					t.Errorf("%s.json in a user robot's data directory (%v)", k, err)
				}
			}
			for _, k := range standardModules {
				if _, err := os.Stat(filepath.Join(data, k+".json")); err != nil {
					t.Errorf("standard module %s: %v", k, err)
				}
			}
		})
	}
}

// Without a robot.yaml, with --demo, and with robot.yaml's demo: true
// (examples/demo.yaml), the robot is the demo: its modules are registered
// and written.
func TestDemoModulesOnlyWhenAsked(t *testing.T) {
	endToEnd(t)
	want := slices.Sorted(slices.Values(append(slices.Clone(standardModules), demoModules...)))
	for name, args := range map[string][]string{
		"no config":  nil,
		"--demo":     {"--config", writeYAML(t, "name: field-bot\n"), "--demo"},
		"demo: true": {"--config", writeYAML(t, "name: field-bot\ndemo: true\n")},
	} {
		t.Run(name, func(t *testing.T) {
			data := t.TempDir()
			p := startUserRobot(t, append(args, "--data-dir", data)...)
			if got := moduleKeys(t, p); !slices.Equal(got, want) {
				t.Errorf("modules %v, want %v", got, want)
			}
			stopClean(t, p)
			for _, k := range demoModules {
				if _, err := os.Stat(filepath.Join(data, k+".json")); err != nil {
					t.Errorf("demo module %s: %v", k, err)
				}
			}
		})
	}
}

// examples/demo.yaml is the demo robot spelled out: it keeps the demo's
// modules; the other examples are robots of their own.
func TestExampleConfigsDemo(t *testing.T) {
	for file, want := range map[string]bool{"demo.yaml": true, "lizard-robot.yaml": false, "gnss-robot.yaml": false} {
		path := filepath.Join("..", "..", "examples", file)
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := isDemo(path, false, cfg); got != want {
			t.Errorf("%s: demo %v, want %v", file, got, want)
		}
		if !isDemo(path, true, cfg) || !isDemo("", false, config.Default()) {
			t.Errorf("%s: --demo or no config is not the demo", file)
		}
	}
}

// A robot.yaml that starts the demo's automation on a robot without the
// demo is a configuration error saying how to fix it (exit 2, nothing
// written), for run and replay alike; with demo: true it is the demo's.
func TestDemoAutomationNeedsTheDemo(t *testing.T) {
	cfg := config.Default()
	cfg.Automation.StartOnFirstRun = "waypoints"
	if err := checkDemoNeeds(cfg, false); err == nil || !strings.Contains(err.Error(), "demo: true") {
		t.Fatalf("waypoints without the demo: %v", err)
	}
	if err := checkDemoNeeds(cfg, true); err != nil {
		t.Fatalf("waypoints on the demo: %v", err)
	}
	cfg.Automation.StartOnFirstRun = "mow"
	if err := checkDemoNeeds(cfg, false); err != nil {
		t.Fatalf("an automation of the user's: %v", err)
	}
	endToEnd(t)
	path := writeYAML(t, "name: field-bot\nautomation:\n  start_on_first_run: waypoints\n")
	data := t.TempDir()
	for _, args := range [][]string{
		{"run", "--config", path, "--data-dir", data, "--http", "off"},
		{"replay", "--config", path, "--data-dir", data},
	} {
		_, errs, code := rosysCmd(t, args...)
		if code != 2 || !strings.Contains(errs, "demo: true") {
			t.Errorf("%s: exit %d, want 2 naming demo: true:\n%s", args[0], code, errs)
		}
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Fatalf("the data directory was touched: %v", entries)
	}
}

// doAny is proc.do for a body of any JSON shape.
func (p *proc) doAny(method, path, body string) (int, any) {
	p.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, "http://"+p.addr+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// The demo's files already in a data directory (a robot that ran the demo
// before its robot.yaml existed) stay byte for byte as they were and are
// shown as not registered (absent from the list, 404 on their own); run as
// the demo again, the robot restores them.
func TestDemoFilesKeptOnUserRobot(t *testing.T) {
	endToEnd(t)
	data := t.TempDir()
	p := startUserRobot(t, "--data-dir", data)
	if code, body := p.do("PUT", "/api/modules/model", `{"value": 2.5}`); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	stopClean(t, p)
	before := map[string][]byte{}
	for _, k := range demoModules {
		b, err := os.ReadFile(filepath.Join(data, k+".json"))
		if err != nil {
			t.Fatal(err)
		}
		before[k] = b
	}
	cfg := writeYAML(t, "name: field-bot\npersistence:\n  snapshot_interval: 0s\n")
	p = startUserRobot(t, "--config", cfg, "--data-dir", data)
	if got := moduleKeys(t, p); !slices.Equal(got, standardModules) {
		t.Errorf("modules %v, want %v", got, standardModules)
	}
	for _, k := range demoModules {
		if code, _ := p.do("GET", "/api/modules/"+k, ""); code != 404 {
			t.Errorf("GET /api/modules/%s: %d, want 404 (not registered)", k, code)
		}
	}
	stopClean(t, p)
	for _, k := range demoModules {
		if b, err := os.ReadFile(filepath.Join(data, k+".json")); err != nil || !bytes.Equal(b, before[k]) {
			t.Errorf("%s.json changed by a user robot's run: %v\n%s\nwas\n%s", k, err, b, before[k])
		}
	}
	p = startUserRobot(t, "--config", cfg, "--data-dir", data, "--demo")
	_, body := p.do("GET", "/api/modules/model", "")
	if v := body["data"].(map[string]any)["value"]; v != 2.5 {
		t.Errorf("model after the user robot's run: %v, want 2.5", v)
	}
	stopClean(t, p)
}
