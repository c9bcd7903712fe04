package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/backend/s3"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

// Three robots share one versitygw bucket; one has a damaged manifest.
// `rosys fleet list` shows all three, that one as damaged; `rosys fleet
// restore` brings a robot onto an empty data directory.
func TestFleetRealBinary(t *testing.T) {
	endToEnd(t)
	srv := persistencetest.StartS3(t)
	s3yaml := func(root string) string {
		return `    s3: {root_path: ` + root + `, bucket: ` + srv.Bucket + `, endpoint: "` + srv.Endpoint + `", region: us-east-1,
         access_key: ` + srv.AccessKey + `, secret_key: ` + srv.SecretKey + `, tls: false, path_style: true}
`
	}
	cfgs, logs := map[string]string{}, map[string]string{}
	for i, name := range []string{"alpha", "beta", "gamma"} {
		cfg := filepath.Join(t.TempDir(), "robot.yaml")
		yaml := "name: " + name + "\npersistence:\n  backend:\n" + s3yaml("robots/"+name)
		if name == "alpha" {
			yaml += "backup_schedule:\n  directory: " + t.TempDir() + "\n  storage: backend\n  backup_count: 3\n"
		}
		os.WriteFile(cfg, []byte(yaml), 0o644)
		cfgs[name] = cfg
		p := startRosys(t, "--config", cfg, "--data-dir", t.TempDir())
		if code, body := p.do("PUT", "/api/modules/model", `{"value": `+[]string{"1.5", "2.5", "3.5"}[i]+`}`); code != 200 {
			t.Fatalf("%d %v", code, body)
		}
		if name == "alpha" {
			p.waitLog("daily backup written")
		}
		if code, _ := p.stop(syscall.SIGTERM); code != 0 {
			t.Fatalf("%s exit %d:\n%s", name, code, p.log())
		}
		logs[name] = p.log()
	}
	gb, _ := s3.New("robots/gamma", srv.Settings())
	if _, err := gb.Put(context.Background(), "manifests/000000099999.json", []byte("{garbage"), backend.Condition{}); err != nil {
		t.Fatal(err)
	}

	out, errs, code := rosysCmd(t, "fleet", "list", "--config", cfgs["beta"], "--json")
	if code != 0 {
		t.Fatalf("fleet list: %d %s", code, errs)
	}
	var robots []map[string]any
	if err := json.Unmarshal([]byte(out), &robots); err != nil || len(robots) != 3 {
		t.Fatalf("%v %s", err, out)
	}
	for _, r := range robots {
		damaged, _ := r["damaged"].(string)
		switch r["name"] {
		case "alpha":
			if damaged != "" || r["clean_shutdown"] != true || !strings.HasPrefix(r["last_daily_backup"].(string), "alpha-") {
				t.Fatalf("alpha %v\n%s", r, logs["alpha"])
			}
		case "beta":
			if damaged != "" || r["clean_shutdown"] != true || r["generation"].(float64) < 1 {
				t.Fatalf("beta %v", r)
			}
		case "gamma":
			if !strings.Contains(damaged, "000000099999.json") {
				t.Fatalf("gamma %v", r)
			}
		default:
			t.Fatalf("robot %v", r)
		}
	}
	out, _, code = rosysCmd(t, "fleet", "list", "--config", cfgs["beta"])
	if code != 0 || !strings.Contains(out, "DAMAGED: manifests/000000099999.json") || !strings.Contains(out, "robots/alpha") || !strings.Contains(out, "clean") {
		t.Fatalf("table: %d\n%s", code, out)
	}

	fresh := t.TempDir()
	out, errs, code = rosysCmd(t, "fleet", "restore", "alpha", "--config", cfgs["beta"], "--data-dir", fresh)
	if code != 0 || !strings.Contains(out, "restored alpha generation") || strings.Contains(errs, "\r") {
		t.Fatalf("restore: %d %s %q", code, out, errs)
	}
	if v := persistencetest.StoredValue(t, fresh, "model"); v != 1.5 {
		t.Fatalf("restored %v", v)
	}
	// The old board is gone: its lease names another machine; --take-over
	// hands it to this one.
	ab, _ := s3.New("robots/alpha", srv.Settings())
	ab.Put(context.Background(), mirror.LeaseName, []byte(`{"robot": "alpha", "host": "old-board/77", "acquired_at": "2026-11-01T00:00:00Z"}`), backend.Condition{})
	out, errs, code = rosysCmd(t, "fleet", "restore", "alpha", "--config", cfgs["beta"], "--data-dir", t.TempDir(), "--take-over")
	if code != 0 || !strings.Contains(out, "now names this machine") || !strings.Contains(out, "instead of old-board/77") {
		t.Fatalf("take-over: %d %s %s", code, out, errs)
	}
	if b, _, _ := ab.Get(context.Background(), mirror.LeaseName); !strings.Contains(string(b), mirror.HostID()) {
		t.Fatalf("lease after the take-over: %s", b)
	}
	_, errs, code = rosysCmd(t, "fleet", "restore", "beta", "--config", cfgs["beta"], "--data-dir", fresh)
	if code != 1 || !strings.Contains(errs, "not empty") || persistencetest.StoredValue(t, fresh, "model") != 1.5 {
		t.Fatalf("non-empty dir: %d %s", code, errs)
	}
	_, errs, code = rosysCmd(t, "fleet", "restore", "beta", "--config", cfgs["beta"], "--data-dir", fresh, "--force", "--generation", "777")
	if code != 1 || !strings.Contains(errs, "generation 777") || persistencetest.StoredValue(t, fresh, "model") != 1.5 {
		t.Fatalf("missing generation: %d %s", code, errs)
	}
	out, errs, code = rosysCmd(t, "fleet", "restore", "beta", "--config", cfgs["beta"], "--data-dir", fresh, "--force")
	if code != 0 || persistencetest.StoredValue(t, fresh, "model") != 2.5 || !strings.Contains(out, "previous state kept") {
		t.Fatalf("forced: %d %s %s", code, out, errs)
	}
	_, errs, code = rosysCmd(t, "fleet", "restore", "delta", "--config", cfgs["beta"], "--data-dir", t.TempDir())
	if code != 1 || !strings.Contains(errs, "no such robot") {
		t.Fatalf("unknown robot: %d %s", code, errs)
	}
	// A config without S3 cannot list a fleet.
	local := filepath.Join(t.TempDir(), "robot.yaml")
	os.WriteFile(local, []byte("name: x\n"), 0o644)
	if _, errs, code := rosysCmd(t, "fleet", "list", "--config", local); code != 2 || !strings.Contains(errs, "not s3") {
		t.Fatalf("local config: %d %s", code, errs)
	}
}

func TestProgressLine(t *testing.T) {
	endToEnd(t)
	if got := progressLine(3e6, 12e6, 1, 4); got != "[#######.......................] 1/4 modules, 3.0/12.0 MB" {
		t.Fatalf("%q", got)
	}
	if got := progressLine(0, 0, 0, 0); !strings.HasPrefix(got, "[##############################]") {
		t.Fatalf("%q", got)
	}
}
