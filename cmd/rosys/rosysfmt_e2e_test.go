package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/internal/testtool"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

// importAllPy emulates RoSys' import_all (rosys/persistence/import_export.py)
// with Debian's python3: json.loads the export, then every registered
// instance whose key is in it restores its dict; other keys are skipped.
const importAllPy = `
import json, pathlib, sys
data = json.loads(pathlib.Path(sys.argv[1]).read_text())
class Model:
    value = 1.0
    def restore_from_dict(self, d):
        self.value = d.get('value', 1.0)
instances = {'model': Model()}
for key, instance in instances.items():
    if key in data:
        instance.restore_from_dict(data[key])
print(instances['model'].value)
`

func runPython(t *testing.T, script string, args ...string) string {
	t.Helper()
	py := testtool.Require(t, testtool.Python3)
	out, err := exec.Command(py, append([]string{"-c", script}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// From rosys-go to RoSys and back through RoSys' export.json and its daily
// backups.
func TestRoSysJSONExportListImport(t *testing.T) {
	endToEnd(t)
	src, dst, backups := t.TempDir(), t.TempDir(), t.TempDir()
	seed(t, src, "3.25")
	export := filepath.Join(t.TempDir(), "export.json")
	if _, errs, code := rosysCmd(t, "backup", "export", "--data-dir", src, "--format", "rosys-json", "-o", export); code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	if got := runPython(t, importAllPy, export); got != "3.25" {
		t.Fatalf("RoSys import_all read model.value %s", got)
	}
	if _, errs, code := rosysCmd(t, "backup", "export", "--data-dir", src, "--format", "zip", "-o", export); code != 2 || !strings.Contains(errs, `"zip"`) {
		t.Fatalf("bad format: %d %s", code, errs)
	}
	// The export, as RoSys' BackupSchedule names its daily files.
	b, _ := os.ReadFile(export)
	os.WriteFile(filepath.Join(backups, "2026-11-29.json"), b, 0o644)
	os.WriteFile(filepath.Join(backups, "notes.json"), []byte(`{}`), 0o644)
	out, _, code := rosysCmd(t, "backup", "list", "--data-dir", dst, "--dir", backups)
	if code != 0 || !strings.Contains(out, "2026-11-29.json") || !strings.Contains(out, "RoSys daily backup") || strings.Contains(out, "notes.json") {
		t.Fatalf("list: %d %s", code, out)
	}
	out, errs, code := rosysCmd(t, "backup", "import", "--data-dir", dst, filepath.Join(backups, "2026-11-29.json"))
	if code != 0 || !strings.Contains(out, "new to this data directory") || !strings.Contains(out, "model") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	if v := persistencetest.StoredValue(t, dst, "model"); v != 3.25 {
		t.Fatalf("imported value %v", v)
	}
	// Over HTTP too.
	p := startRosys(t, "--data-dir", dst)
	resp, err := http.Get("http://" + p.addr + "/api/export?format=rosys-json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	os.WriteFile(export, body, 0o644)
	if got := runPython(t, importAllPy, export); got != "3.25" {
		t.Fatalf("RoSys import_all read model.value %s from the HTTP export", got)
	}
	if code, _ := p.do("GET", "/api/export?format=zip", ""); code != 400 {
		t.Fatalf("bad format over HTTP: %d", code)
	}
	p.stop(syscall.SIGTERM)
}

// persistence.format: rosys: the robot's files are RoSys files.
func TestFormatRoSysRealBinary(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "robot.yaml")
	os.WriteFile(cfg, []byte("name: demo\npersistence:\n  format: rosys\n"), 0o644)
	p := startRosys(t, "--config", cfg, "--data-dir", dir)
	if code, body := p.do("PUT", "/api/modules/model", `{"value": 4.5}`); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	script := `
import json, pathlib, sys
d = pathlib.Path(sys.argv[1])
data = json.loads((d / 'model.json').read_text())
print(data.get('value', 1.0), sorted(data)[:3] != ['data', 'format', 'key'])
`
	if got := runPython(t, script, dir); got != "4.5 True" {
		t.Fatalf("RoSys reads %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, ".rosys-go", "model.meta.json")); err != nil {
		t.Fatal(err)
	}
	// A bad format in robot.yaml names the key.
	os.WriteFile(cfg, []byte("name: demo\npersistence:\n  format: python\n"), 0o644)
	_, errs, code := rosysCmd(t, "run", "--config", cfg, "--data-dir", dir)
	if code == 0 || !strings.Contains(errs, `line 3: format \"python\" is not one of rosys-go, rosys`) {
		t.Fatalf("bad format: %d %s", code, errs)
	}
}

// A RoSys file with Python's NaN restores in the real binary; the API
// shows and takes the strings; format rosys writes the tokens back.
func TestNaNThroughTheAPI(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "model.json"), []byte(`{"value": NaN}`), 0o644)
	cfg := filepath.Join(t.TempDir(), "robot.yaml")
	os.WriteFile(cfg, []byte("name: demo\npersistence:\n  format: rosys\n"), 0o644)
	p := startRosys(t, "--config", cfg, "--data-dir", dir)
	_, body := p.do("GET", "/api/modules/model", "")
	if v := body["data"].(map[string]any)["value"]; v != "NaN" {
		t.Fatalf("API shows %v (%v)", v, body["status"])
	}
	if code, body := p.do("PUT", "/api/modules/model", `{"value": "-Infinity"}`); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	if code, body := p.do("PUT", "/api/modules/model", `{"value": "nan"}`); code != 400 {
		t.Fatalf("junk string: %d %v", code, body)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "model.json")); string(b) != `{"value":-Infinity}` {
		t.Fatalf("on disk %s", b)
	}
	if got := runPython(t, "import json,sys; print(json.load(open(sys.argv[1]))['value'])", filepath.Join(dir, "model.json")); got != "-inf" {
		t.Fatalf("python3 reads %s", got)
	}
}
