package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testexec"
	"github.com/gorosys/rosys/internal/testwait"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

// reservedKeys are keys an earlier version accepted and the store later
// swept, skipped or could take for its own files (issue 21.1).
var reservedKeys = []string{"calib.tmp-2024", "survey.json.tmp-recycled", "x.tmp-link", ".hidden", ".rosys-go", "x.prev", "model.json.prev",
	"a.prev.b", "m.json.corrupt-20260101T000000.000Z", "a@1"}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// moduleFiles lists the data directory's top-level files (not history/,
// not the lock) with a digest of each, so a rewrite shows as a change.
func moduleFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() || e.Name() == ".lock" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %x", e.Name(), sha256.Sum256(b)))
	}
	return out
}

// modelVersions lists the history versions of model (temporary names
// included: a version being written counts).
func modelVersions(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "history", "model@*"))
	slices.Sort(m)
	return m
}

// Issues 21.1 and 21.6 against the real binary: imports naming a reserved
// key are refused whole, online (400) and offline (exit 1), naming the key
// and the reason, with nothing written; field names that differ only in
// case are refused by PUT and import; a module file an earlier version
// wrote under a now reserved name is kept and reported in status.
func TestReservedKeysAndFieldCaseRealBinary(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	legacy := filepath.Join(dir, "calib.tmp-2024.json")
	if err := os.WriteFile(legacy, []byte(`{"x": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startRosys(t, "--data-dir", dir)
	code, st := p.do("GET", "/api/status", "")
	if code != 200 || !strings.Contains(fmt.Sprint(st["backup"].(map[string]any)["reserved_files"]), legacy) {
		t.Fatalf("status does not report %s: %d %v", legacy, code, st["backup"])
	}
	if code, body := p.do("PUT", "/api/modules/model?sync=1", `{"value": 2}`); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	for _, tc := range []struct{ path, body, want string }{
		{"/api/modules/driving_parameters", `{"linear_speed_limit": 0.3, "LINEAR_SPEED_LIMIT": 9.9}`, `"LINEAR_SPEED_LIMIT"`},
		{"/api/modules/driving_parameters", `{"Linear_Speed_Limit": 9.9}`, `"Linear_Speed_Limit"`},
		{"/api/modules/model", `{"VALUE": 5}`, `"VALUE"`},
		{"/api/modules/model", `{"Value": 5, "value": 2}`, `"Value"`},
		{"/api/modules/waypoints", `{"points": [{"x": 1, "y": 1}, {"X": 2, "y": 1}]}`, `"X"`},
		{"/api/modules/pose", `{"x": 1, "y": 0, "yaw": 0, "X": 7}`, `"X"`},
		{"/api/modules/pose", `{"x": 1, "y": 0, "yaw": 0, "YAW": 3}`, `"YAW"`},
	} {
		_, before := p.do("GET", tc.path, "")
		code, body := p.do("PUT", tc.path, tc.body)
		if code != 400 || !strings.Contains(fmt.Sprint(body["error"]), tc.want) {
			t.Errorf("PUT %s %s: %d %v, want 400 naming %s", tc.path, tc.body, code, body, tc.want)
		}
		if _, after := p.do("GET", tc.path, ""); fmt.Sprint(after["data"]) != fmt.Sprint(before["data"]) {
			t.Errorf("PUT %s %s changed the module: %v → %v", tc.path, tc.body, before["data"], after["data"])
		}
	}
	for _, key := range reservedKeys {
		want := 400 // a safe name the store keeps for itself: the reason
		if strings.Contains(key, "@") {
			want = 404 // no file name at all, like a path trick
		}
		if code, body := p.do("PUT", "/api/modules/"+key, `{"x": 1}`); code != want || !strings.Contains(fmt.Sprint(body["error"]), `"`+key+`"`) {
			t.Errorf("PUT of reserved key %q: %d %v", key, code, body)
		}
	}
	if code, body := p.do("POST", "/api/import", `{"model": {"VALUE": 5}}`); code != 400 || !strings.Contains(fmt.Sprint(body["error"]), `"VALUE"`) {
		t.Errorf("import with a case variant: %d %v", code, body)
	}
	// The robot's history records earlier commits in the background, so
	// history/ is compared by the model's versions alone; the module
	// files themselves must stay byte for byte.
	// The PUT above is recorded as model's second version in the
	// background: waited for, so the count below is the import's alone.
	testwait.Until(t, "the PUT's history version of model", func() bool {
		v := modelVersions(t, dir)
		return len(v) == 2 && !strings.Contains(strings.Join(v, " "), ".tmp-")
	})
	before, beforeModel := moduleFiles(t, dir), modelVersions(t, dir)
	for _, key := range reservedKeys {
		code, body := p.do("POST", "/api/import", `{"model": {"value": 7}, "`+key+`": {"x": 1}}`)
		if msg := fmt.Sprint(body["error"]); code != 400 || !strings.Contains(msg, `"`+key+`"`) || !strings.Contains(msg, "reserved") && !strings.Contains(msg, "allowed are") {
			t.Errorf("import of key %q: %d %v", key, code, body)
		}
	}
	if after := moduleFiles(t, dir); !slices.Equal(before, after) {
		t.Errorf("refused imports changed the data directory: %v → %v", before, after)
	} else {
		for _, name := range listDir(t, dir) {
			for _, key := range reservedKeys {
				if strings.HasPrefix(name, "history/"+key+"@") {
					t.Errorf("a refused import left a version of %q: %s", key, name)
				}
			}
		}
	}
	if after := modelVersions(t, dir); !slices.Equal(beforeModel, after) {
		t.Errorf("refused imports recorded history versions of model: %v → %v", beforeModel, after)
	}
	if _, body := p.do("GET", "/api/modules/model", ""); body["data"].(map[string]any)["value"] != 2.0 {
		t.Errorf("model after refused imports: %v", body)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}

	// Offline: the same archives, exit 1, the key and the reason named.
	before = listDir(t, dir)
	for _, key := range reservedKeys {
		f := filepath.Join(t.TempDir(), "export.json")
		os.WriteFile(f, []byte(`{"model": {"value": 7}, "`+key+`": {"x": 1}}`), 0o644)
		_, errs, code := rosysCmd(t, "backup", "import", "--data-dir", dir, f)
		if code != 1 || !strings.Contains(errs, `"`+key+`"`) || !strings.Contains(errs, "nothing was changed") {
			t.Errorf("offline import of key %q: %d %s", key, code, errs)
		}
	}
	if after := listDir(t, dir); !slices.Equal(before, after) {
		t.Errorf("refused offline imports changed the data directory: %v → %v", before, after)
	}
	if b, err := os.ReadFile(legacy); err != nil || string(b) != `{"x": 1}` {
		t.Fatalf("legacy file: %q %v", b, err)
	}
	if v := persistencetest.StoredValue(t, dir, "model"); v != 2 {
		t.Fatalf("model %v", v)
	}
	if _, errs, code := rosysCmd(t, "backup", "export", "--data-dir", dir, "-o", filepath.Join(t.TempDir(), "a.tar.gz")); code != 0 || !strings.Contains(errs, "not exported") || !strings.Contains(errs, legacy) {
		t.Fatalf("offline export does not name the legacy file: %d %s", code, errs)
	}
}

// ownEnvelope is a module file laid out as the store writes it.
func ownEnvelope(key, data string) string {
	return "{\n  \"format\": \"rosys-go/1\",\n  \"key\": \"" + key + "\",\n  \"schema_version\": 1,\n  \"saved_at\": \"2026-11-23T12:00:00Z\",\n  \"data\": " + data + "\n}\n"
}

// Issue 21.7 against the real binary: a module file the store committed
// over a max_file_bytes lowered since stops `rosys run` with exit 2
// naming the file, its size, the key and the limit; nothing is moved
// aside. The offline export of a committed file over the default limit
// exits 2 too. A foreign oversized file is still moved aside (see
// TestMaxFileBytesFromConfig).
func TestCommittedOverLimitExitsTwo(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	content := ownEnvelope("model", `{"value": 3, "pad": "`+strings.Repeat("x", 2<<20)+`"}`)
	path := filepath.Join(dir, "model.json")
	os.WriteFile(path, []byte(content), 0o644)
	cfg := filepath.Join(t.TempDir(), "robot.yaml")
	os.WriteFile(cfg, []byte("name: demo\npersistence:\n  max_file_bytes: 1048576\n"), 0o644)
	cmd := testexec.Command(binary, "run", "--http", "127.0.0.1:0", "--config", cfg, "--data-dir", dir, "--demo")
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("rosys run kept running with a committed file over the limit:\n%s", errb.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", code, errb.String())
	}
	for _, part := range []string{path, `\"model\"`, fmt.Sprint(len(content)), "1048576"} {
		if !strings.Contains(errb.String(), part) {
			t.Errorf("log does not name %s:\n%s", part, errb.String())
		}
	}
	if b, _ := os.ReadFile(path); string(b) != content {
		t.Fatal("the committed file changed")
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*corrupt*")); len(names) != 0 {
		t.Fatalf("moved aside: %v", names)
	}

	// Offline: a sparse file of 64 MiB + 1 starting with the store's header.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(ownEnvelope("model", `{"value": 3}`))
	f.Truncate(64<<20 + 1)
	f.Close()
	_, errs, code := rosysCmd(t, "backup", "export", "--data-dir", dir, "-o", filepath.Join(t.TempDir(), "a.tar.gz"))
	if code != 2 || !strings.Contains(errs, path) || !strings.Contains(errs, "max_file_bytes") {
		t.Fatalf("offline export: %d %s", code, errs)
	}
}

// Issue 21.11 through the CLI: `backup history --json` prints the API's
// shape; an offline import is a history version; an offline restore of a
// version at a schema the robot does not write (99) is refused, exit 1,
// nothing written.
func TestOfflineHistoryGapsCLI(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	p := startRosys(t, "--data-dir", dir)
	if code, body := p.do("PUT", "/api/modules/model?sync=1", `{"value": 1.5}`); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	code, api := p.do("GET", "/api/modules/model/history", "")
	if code != 200 {
		t.Fatalf("%d %v", code, api)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	history := func() map[string]any {
		t.Helper()
		out, errs, code := rosysCmd(t, "backup", "history", "--data-dir", dir, "--json", "model")
		var got map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
			t.Fatalf("history --json: %d %s %s", code, out, errs)
		}
		return got
	}
	offline := history()
	if offline["key"] != "model" || len(offline) != len(api) {
		t.Fatalf("offline %v, API %v: not one shape", offline, api)
	}
	apiVs, offVs := api["versions"].([]any), offline["versions"].([]any)
	if len(offVs) < len(apiVs) || fmt.Sprint(offVs[:len(apiVs)]) != fmt.Sprint(apiVs) {
		t.Fatalf("versions differ:\noffline %v\nAPI     %v", offVs, apiVs)
	}
	if out, _, _ := rosysCmd(t, "backup", "history", "--data-dir", dir, "--json", "nothing"); !strings.Contains(out, `"versions": []`) || !strings.Contains(out, `"key": "nothing"`) {
		t.Fatalf("history of a module without versions: %s", out)
	}

	f := filepath.Join(t.TempDir(), "export.json")
	os.WriteFile(f, []byte(`{"model": {"value": 7.25}}`), 0o644)
	if out, errs, code := rosysCmd(t, "backup", "import", "--data-dir", dir, f); code != 0 || !strings.Contains(out, "recorded in the history") {
		t.Fatalf("offline import: %d %s %s", code, out, errs)
	}
	vs := history()["versions"].([]any)
	if len(vs) != len(offVs)+1 {
		t.Fatalf("versions after the offline import: %d, before %d", len(vs), len(offVs))
	}
	newest := vs[len(vs)-1].(map[string]any)
	b, _ := os.ReadFile(filepath.Join(dir, "model.json"))
	if newest["size"] != float64(len(b)) || persistencetest.StoredValue(t, dir, "model") != 7.25 {
		t.Fatalf("newest version %v is not the imported file (%d bytes, value %v)", newest, len(b), persistencetest.StoredValue(t, dir, "model"))
	}

	// A version of a newer program's schema, planted as a history file.
	planted := filepath.Join(dir, "history", "model@50.json")
	os.WriteFile(planted, []byte(strings.Replace(ownEnvelope("model", `{"value": 99}`), `"schema_version": 1`, `"schema_version": 99`, 1)), 0o644)
	before := listDir(t, dir)
	cur, _ := os.ReadFile(filepath.Join(dir, "model.json"))
	_, errs, code := rosysCmd(t, "backup", "restore", "--data-dir", dir, "model", "--version", "50")
	if code != 1 || !strings.Contains(errs, "schema version 99") || !strings.Contains(errs, "nothing changed") {
		t.Fatalf("restore of a schema 99 version: %d %s", code, errs)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "model.json")); string(after) != string(cur) {
		t.Fatal("the refused restore wrote the module file")
	}
	after := listDir(t, dir)
	if !slices.Equal(before, after) {
		t.Fatalf("the refused restore changed the directory: %v → %v", before, after)
	}
	// The robot starts with the imported value, nothing set aside.
	p = startRosys(t, "--data-dir", dir)
	if _, body := p.do("GET", "/api/modules/model", ""); body["data"].(map[string]any)["value"] != 7.25 {
		t.Fatalf("after restart: %v", body)
	}
	p.stop(syscall.SIGTERM)
}
