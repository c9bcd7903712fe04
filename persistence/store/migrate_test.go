package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

// v3 is the current shape; v1 stored {"speed_cm": n}, v2 {"speed": m} in
// metres, v3 adds a unit field.
type v3 struct {
	Speed float64 `json:"speed"`
	Unit  string  `json:"unit"`
}

func TestMigrationsRunInOrder(t *testing.T) {
	var ran []int
	migrations := map[int]persistence.Migration{
		1: func(d json.RawMessage) (json.RawMessage, error) {
			ran = append(ran, 1)
			var old struct {
				SpeedCM float64 `json:"speed_cm"`
			}
			if err := json.Unmarshal(d, &old); err != nil {
				return nil, err
			}
			return json.Marshal(map[string]float64{"speed": old.SpeedCM / 100})
		},
		2: func(d json.RawMessage) (json.RawMessage, error) {
			ran = append(ran, 2)
			return bytes.Replace(d, []byte("{"), []byte(`{"unit":"m/s",`), 1), nil
		},
	}
	dir := t.TempDir()
	write(t, dir, "drive", `{"format":"rosys-go/1","key":"drive","schema_version":1,"data":{"speed_cm":150}}`)
	s := persistencetest.Open(t, dir)
	v := persistence.NewValue(v3{Unit: "default"}, persistence.WithSchema[v3](3, migrations))
	mustRegisterRestore(t, s, "drive", v)
	if got := v.Get(); got != (v3{Speed: 1.5, Unit: "m/s"}) {
		t.Fatalf("migrated to %+v", got)
	}
	if fmt.Sprint(ran) != "[1 2]" {
		t.Fatalf("migrations ran %v, want [1 2]", ran)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "drive.json")); !strings.Contains(string(b), `"schema_version": 3`) {
		t.Fatalf("flushed file: %s", b)
	}
}

func TestMissingMigrationKeepsFileAside(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "drive", `{"format":"rosys-go/1","key":"drive","schema_version":1,"data":{"speed_cm":150}}`)
	s := persistencetest.Open(t, dir)
	v := persistence.NewValue(v3{Unit: "default"}, persistence.WithSchema[v3](2, nil))
	mustRegisterRestore(t, s, "drive", v)
	st, _ := s.ModuleStatus("drive")
	if v.Get().Unit != "default" || !strings.Contains(st.RestoreError, "no migration from schema version 1 to 2") || len(st.MovedAside) != 1 {
		t.Fatalf("status %+v", st)
	}
}

func TestPlainRoSysFileRestores(t *testing.T) {
	dir := t.TempDir()
	// What RoSys writes for its Model example: just the backup() dict.
	write(t, dir, "model", `{"value": 4.2}`)
	write(t, dir, "calibration", `{"format": 3, "gain": 0.5}`) // a RoSys dict that has a "format" key
	s := persistencetest.Open(t, dir)
	model := persistence.NewValue(map[string]float64{"value": 1})
	cal := persistencetest.NewModule(map[string]float64{})
	mustRegisterRestore(t, s, "model", model)
	mustRegisterRestore(t, s, "calibration", cal)
	if got := model.Get()["value"]; got != 4.2 {
		t.Fatalf("model value %v", got)
	}
	if cal.State["gain"] != 0.5 || cal.State["format"] != 3 {
		t.Fatalf("calibration %v", cal.State)
	}
	if st, _ := s.ModuleStatus("model"); st.RestoredFrom != persistence.FromFile {
		t.Fatalf("status %+v", st)
	}
}

func write(t *testing.T, dir, key, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, key+".json"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
