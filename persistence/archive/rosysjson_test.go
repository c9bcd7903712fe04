package archive_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testtool"
	"github.com/gorosys/rosys/persistence/archive"
)

func TestRoSysJSONRoundTrip(t *testing.T) {
	files := map[string][]byte{
		// Ours at schema version 2, holding a non-finite value.
		"model": []byte(`{"format":"rosys-go/1","key":"model","schema_version":2,"saved_at":"2026-01-01T00:00:00Z","data":{"value":"NaN","l":["-Infinity"]}}`),
		// A RoSys file with Python's bare token.
		"calibration": []byte(`{"gain": Infinity}`),
	}
	var buf bytes.Buffer
	if err := archive.WriteRoSysJSON(&buf, files, "demo", time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, `"value": NaN`) || !strings.Contains(out, `"gain": Infinity`) || !strings.HasPrefix(out, "{\n    \"calibration\": {\n        \"gain\"") {
		t.Fatalf("export.json:\n%s", out)
	}
	if py := testtool.Find(t, testtool.Python3); py != "" {
		path := filepath.Join(t.TempDir(), "export.json")
		os.WriteFile(path, buf.Bytes(), 0o644)
		script := `import json, math, sys
d = json.load(open(sys.argv[1]))
assert math.isnan(d['model']['value']) and d['model']['l'] == [float('-inf')] and d['calibration'] == {'gain': float('inf')}, d
print('ok')`
		if b, err := exec.Command(py, "-c", script, path).CombinedOutput(); err != nil || strings.TrimSpace(string(b)) != "ok" {
			t.Fatalf("python3: %v %s", err, b)
		}
	}
	a, err := archive.Read(bytes.NewReader(buf.Bytes()), archive.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Files) != 2 || !a.RoSys {
		t.Fatalf("files %v (the %s entry is not a module)", a.Manifest.Files, archive.MetaKey)
	}
	for _, f := range a.Manifest.Files {
		if want := map[string]int{"model": 2, "calibration": 1}[f.Key]; f.SchemaVersion != want {
			t.Fatalf("%s at version %d, want %d", f.Key, f.SchemaVersion, want)
		}
	}
	if !bytes.Contains(a.Files["model"], []byte(`"value": "NaN"`)) {
		t.Fatalf("model: %s", a.Files["model"])
	}
	// A RoSys module that happens to be named like the entry stays a module.
	a, err = archive.Read(strings.NewReader(`{"_rosys_go": {"x": 1}}`), archive.DefaultLimits)
	if err != nil || len(a.Files) != 1 {
		t.Fatalf("%v %v", err, a)
	}
	// A bare token that is not one is an error naming the file kind.
	if _, err := archive.Read(strings.NewReader(`{"m": {"x": Nope}}`), archive.DefaultLimits); err == nil || !strings.Contains(err.Error(), "RoSys export.json") {
		t.Fatalf("%v", err)
	}
}

func TestListShowsRoSysDailyBackups(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"2026-11-29.json", "robot-2026-11-30T030000.tar.gz", "2026-13-01.json", "export.json", "2026-11-2.json"} {
		os.WriteFile(filepath.Join(dir, n), []byte(`{}`), 0o644)
	}
	list, err := archive.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range list {
		got = append(got, filepath.Base(i.Path)+map[bool]string{true: ":rosys", false: ""}[i.RoSys])
	}
	if strings.Join(got, ",") != "2026-11-29.json:rosys,robot-2026-11-30T030000.tar.gz" {
		t.Fatalf("%v", got)
	}
}
