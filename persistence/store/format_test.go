package store_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/gorosys/rosys/internal/testtool"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

// python3 is Debian's interpreter, RoSys' own reader of these files.
func python3(t *testing.T) string {
	t.Helper()
	return testtool.Require(t, testtool.Python3)
}

// A RoSys file as Python's json.dumps writes it, with NaN and infinities.
const rosysNaNFile = `{"value": NaN, "limits": [Infinity, -Infinity, 1.5], "name": "NaN", "NaN": 2, "nested": {"x": -Infinity}}`

func TestRoSysFileWithNaNRestores(t *testing.T) {
	for _, format := range []store.FileFormat{store.FormatRoSysGo, store.FormatRoSys} {
		t.Run(string(format), func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "model.json"), []byte(rosysNaNFile), 0o644)
			s := persistencetest.Open(t, dir, store.WithFormat(format))
			v := persistence.NewValue(map[string]any{})
			s.Register("model", v)
			if err := s.Restore(context.Background()); err != nil {
				t.Fatal(err)
			}
			st := s.Status()[0]
			if st.RestoredFrom != persistence.FromFile || st.RestoreError != "" {
				t.Fatalf("restored from %s: %s", st.RestoredFrom, st.RestoreError)
			}
			got, _ := json.Marshal(v.Get())
			// The module, the API and the dashboard see the strings.
			want := `{"NaN":2,"limits":["Infinity","-Infinity",1.5],"name":"NaN","nested":{"x":"-Infinity"},"value":"NaN"}`
			if string(got) != want {
				t.Fatalf("restored %s\nwant     %s", got, want)
			}
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "model.json"))
			if format == store.FormatRoSys {
				// Exact on disk: bare tokens again, the key "NaN" stays a key.
				want := `{"NaN":2,"limits":[Infinity,-Infinity,1.5],"name":NaN,"nested":{"x":-Infinity},"value":NaN}`
				if string(b) != want {
					t.Fatalf("written %s\nwant    %s", b, want)
				}
			}
		})
	}
}

func TestRoSysFileNotAnObjectIsQuarantined(t *testing.T) {
	for _, content := range []string{`[1, NaN]`, `NaN`, `"text"`, `{"a": NaNa}`, `{"a": Infinit}`} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "model.json"), []byte(content), 0o644)
		s := persistencetest.Open(t, dir, store.WithFormat(store.FormatRoSys))
		v := persistence.NewValue(map[string]any{"value": 1.0})
		s.Register("model", v)
		s.Restore(context.Background())
		st := s.Status()[0]
		if st.RestoredFrom != persistence.FromDefaults || len(st.MovedAside) != 1 {
			t.Fatalf("%s: restored from %s, moved aside %v", content, st.RestoredFrom, st.MovedAside)
		}
		kept, _ := os.ReadFile(st.MovedAside[0])
		if string(kept) != content {
			t.Fatalf("%s: kept aside %q", content, kept)
		}
	}
}

// TestFormatRoSysReadByPython writes a directory in format rosys and has
// python3 read it as RoSys does: json.loads of <key>.json is the module's
// data, restored with dict.get as a Persistable's restore does.
func TestFormatRoSysReadByPython(t *testing.T) {
	py := python3(t)
	dir := t.TempDir()
	ctx := context.Background()
	s := persistencetest.Open(t, dir, store.WithFormat(store.FormatRoSys))
	model := persistence.NewValue(map[string]any{"value": 1.0}, persistence.WithSchema[map[string]any](3, nil))
	cal := persistencetest.NewModule(map[string]float64{"gain": 0})
	s.Register("model", model)
	s.Register("calibration", cal)
	s.Restore(ctx)
	model.Set(map[string]any{"value": 0.25, "odd": "NaN", "label": "<a&b>"})
	cal.State["gain"] = 3.5
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	script := `
import json, math, pathlib, sys
d = pathlib.Path(sys.argv[1])
class Model:
    def restore(self, data):
        self.value = data.get('value', 1.0)
        self.odd = data.get('odd')
        self.label = data.get('label')
m = Model()
m.restore(json.loads((d / 'model.json').read_text()))
assert m.value == 0.25, m.value
assert math.isnan(m.odd), m.odd
assert m.label == '<a&b>', m.label
cal = json.loads((d / 'calibration.json').read_text())
assert cal == {'gain': 3.5}, cal
# RoSys writes back what it read; we must read it again.
m.value = float('inf')
(d / 'model.json').write_text(json.dumps({'value': m.value, 'odd': m.odd, 'label': m.label}))
print('ok')
`
	out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	s.Close()

	// Back in rosys-go: the file RoSys wrote is not in the sidecar, so it
	// is read as RoSys data (version 1) and migrated.
	s2 := persistencetest.Open(t, dir, store.WithFormat(store.FormatRoSys))
	migrated := 0
	model2 := persistence.NewValue(map[string]any{}, persistence.WithSchema[map[string]any](3, map[int]persistence.Migration{
		1: func(d json.RawMessage) (json.RawMessage, error) { migrated++; return d, nil },
		2: func(d json.RawMessage) (json.RawMessage, error) { migrated++; return d, nil },
	}))
	cal2 := persistencetest.NewModule(map[string]float64{})
	s2.Register("model", model2)
	s2.Register("calibration", cal2)
	s2.Restore(ctx)
	if got := model2.Get(); got["value"] != "Infinity" || got["odd"] != "NaN" || migrated != 2 {
		t.Fatalf("after RoSys wrote it: %v, %d migrations (want 2: RoSys files are version 1)", got, migrated)
	}
	if cal2.State["gain"] != 3.5 {
		t.Fatalf("calibration %v", cal2.State)
	}
	// Our own file is named by the sidecar: no migration for it.
	if err := s2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	s3 := persistencetest.Open(t, dir, store.WithFormat(store.FormatRoSys))
	migrated = 0
	s3.Register("model", model2)
	s3.Restore(ctx)
	if migrated != 0 || s3.Status()[0].RestoredFrom != persistence.FromFile {
		t.Fatalf("our own version-3 file migrated %d times", migrated)
	}
	if _, err := os.Stat(filepath.Join(dir, store.SidecarDir, "model.meta.json")); err != nil {
		t.Fatal(err)
	}
}

// Format rosys with a mirror: the bucket keeps the schema version (the
// object is the envelope the sidecar describes), and a fresh disk gets a
// RoSys data file and its sidecar back, so nothing is migrated twice.
func TestFormatRoSysMirrorKeepsVersions(t *testing.T) {
	ctx := context.Background()
	remote := backend.NewMemory()
	open := func(dir string) (*store.Store, *persistence.Value[map[string]any], *int) {
		cfg := store.SimpleConfig(remote)
		cfg.Format = store.FormatRoSys
		s, err := store.OpenConfig(dir, "demo", cfg, zaptest.NewLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		migrated := new(int)
		v := persistence.NewValue(map[string]any{}, persistence.WithSchema[map[string]any](2, map[int]persistence.Migration{
			1: func(d json.RawMessage) (json.RawMessage, error) { *migrated++; return d, nil },
		}))
		s.Register("model", v)
		if err := s.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		return s, v, migrated
	}
	s, v, _ := open(t.TempDir())
	v.Set(map[string]any{"value": "Infinity"})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Mirror().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	fresh := t.TempDir()
	s2, v2, migrated := open(fresh)
	if *migrated != 0 || v2.Get()["value"] != "Infinity" || s2.Status()[0].RestoredFrom != persistence.FromRemote {
		t.Fatalf("fresh disk: %v, %d migrations, %+v", v2.Get(), *migrated, s2.Status()[0])
	}
	if b, _ := os.ReadFile(filepath.Join(fresh, "model.json")); string(b) != `{"value":Infinity}` {
		t.Fatalf("recovered file %s", b)
	}
	if _, err := os.Stat(filepath.Join(fresh, store.SidecarDir, "model.meta.json")); err != nil {
		t.Fatal(err)
	}
}
