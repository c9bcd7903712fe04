package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// eventSnapshot is the part of an /api/events message these tests read.
type eventSnapshot struct {
	Status struct {
		Persistence []struct {
			Key     string `json:"key"`
			Pending bool   `json:"pending"`
		} `json:"persistence"`
		Hardware struct {
			Target *struct{ Linear, Angular float64 } `json:"target"`
		} `json:"hardware"`
	} `json:"status"`
	Operate struct {
		Automation struct {
			State      string          `json:"state"`
			Reason     string          `json:"reason"`
			Checkpoint json.RawMessage `json:"checkpoint"`
		} `json:"automation"`
	} `json:"operate"`
}

func (s eventSnapshot) next() int {
	var cp struct{ Next int }
	if json.Unmarshal(s.Operate.Automation.Checkpoint, &cp) != nil {
		return -1
	}
	return cp.Next
}

func (s eventSnapshot) pending(key string) bool {
	for _, m := range s.Status.Persistence {
		if m.Key == key {
			return m.Pending
		}
	}
	return true
}

// waitEvent reads the robot's event stream until ok holds for a snapshot.
// The bound only turns a snapshot that never comes into a failure.
func (p *proc) waitEvent(what string, ok func(eventSnapshot) bool) eventSnapshot {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+p.addr+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		data, found := strings.CutPrefix(sc.Text(), "data: ")
		if !found {
			continue
		}
		var s eventSnapshot
		if err := json.Unmarshal([]byte(data), &s); err != nil {
			p.t.Fatal(err)
		}
		if ok(s) {
			return s
		}
	}
	p.t.Fatalf("no event with %s (%v); log:\n%s", what, sc.Err(), p.log())
	return eventSnapshot{}
}

// TestKillDuringAutomationComesBackPaused SIGKILLs the real binary while
// the demo drives its waypoints, after a checkpoint was committed, and
// restarts it: the automation is paused at the checkpoint in the file, the
// robot does not move, and once resumed it completes.
func TestKillDuringAutomationComesBackPaused(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	data, cfg := filepath.Join(dir, "data"), filepath.Join(dir, "robot.yaml")
	if err := os.WriteFile(cfg, []byte("name: killed\nautomation:\n  start_on_first_run: waypoints\npersistence:\n  snapshot_interval: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startRosys(t, "--config", cfg, "--data-dir", data)
	p.waitEvent("the second checkpoint committed", func(s eventSnapshot) bool {
		return s.Operate.Automation.State == "running" && s.next() >= 2 && !s.pending("automation")
	})
	_ = p.cmd.Process.Kill()
	<-p.done

	b, err := os.ReadFile(filepath.Join(data, "automation.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Data struct {
			Name, State string
			Checkpoint  struct{ Next int }
		}
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatalf("automation.json after the kill: %v\n%s", err, b)
	}
	if file.Data.Name != "waypoints" || file.Data.State != "running" || file.Data.Checkpoint.Next < 2 {
		t.Fatalf("automation.json after the kill: %s", b)
	}

	p2 := startRosys(t, "--config", cfg, "--data-dir", data)
	code, st := p2.do("GET", "/api/automation", "")
	cp, _ := st["checkpoint"].(map[string]any)
	if code != 200 || st["state"] != "paused" || cp == nil || int(cp["next"].(float64)) != file.Data.Checkpoint.Next ||
		!strings.Contains(st["reason"].(string), "restart") {
		t.Fatalf("after the restart: %d %v (file: %s)", code, st, b)
	}
	p2.waitEvent("the wheels at rest", func(s eventSnapshot) bool {
		tg := s.Status.Hardware.Target
		return tg != nil && tg.Linear == 0 && tg.Angular == 0
	})
	if code, st := p2.do("POST", "/api/automation/resume", ""); code != 200 || st["state"] != "running" {
		t.Fatalf("resume: %d %v", code, st)
	}
	p2.waitEvent("the automation to complete", func(s eventSnapshot) bool { return s.Operate.Automation.State == "completed" })
	if code, _ := p2.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	t.Logf("killed at checkpoint %d; came back paused there and completed once resumed", file.Data.Checkpoint.Next)
}
