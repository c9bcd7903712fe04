package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
)

// One rule for keys an import does not know, offline and online: they are
// reported as unknown and their files are written all the same.
func TestUnknownKeysOneRuleOfflineAndOnline(t *testing.T) {
	var buf bytes.Buffer
	if _, err := archive.ExportDir(robotDir(t), &buf, "demo", t1); err != nil {
		t.Fatal(err)
	}
	read := func() *archive.Archive {
		a, err := archive.Read(bytes.NewReader(buf.Bytes()), archive.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// The robot has a calibration module only.
	calibOnly := func(t *testing.T, dir string) *store.Store {
		s := persistencetest.Open(t, dir)
		mustRegisterRestore(t, s, "calibration", persistence.NewValue(calib{Gain: 9}))
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	offline := t.TempDir()
	calibOnly(t, offline).Close()
	resOff, err := archive.ImportDir(vfs.OS{}, offline, read(), t1)
	if err != nil {
		t.Fatal(err)
	}
	online := t.TempDir()
	s := calibOnly(t, online)
	resOn, err := s.Import(context.Background(), read())
	if err != nil {
		t.Fatal(err)
	}
	for name, res := range map[string]archive.ImportResult{"offline": resOff, "online": resOn} {
		if strings.Join(res.Imported, ",") != "calibration" || strings.Join(res.Unknown, ",") != "model" {
			t.Fatalf("%s: imported %v, unknown %v; want [calibration] and [model]", name, res.Imported, res.Unknown)
		}
	}
	for _, dir := range []string{offline, online} {
		b, err := os.ReadFile(filepath.Join(dir, "model.json"))
		if err != nil || !bytes.Contains(b, []byte(`"value": 7.5`)) {
			t.Fatalf("%s: the unknown module's file: %v %s", dir, err, b)
		}
	}
}

// An import into a directory of format rosys writes RoSys files (with
// sidecars), offline and online alike, and keeps schema versions.
func TestImportIntoFormatRoSys(t *testing.T) {
	var buf bytes.Buffer
	if _, err := archive.ExportDir(robotDir(t), &buf, "demo", t1); err != nil {
		t.Fatal(err)
	}
	a, _ := archive.Read(bytes.NewReader(buf.Bytes()), archive.DefaultLimits)
	dir := t.TempDir()
	s := persistencetest.Open(t, dir, store.WithFormat(store.FormatRoSys))
	c := persistence.NewValue(calib{})
	mustRegisterRestore(t, s, "calibration", c)
	s.Flush(context.Background())
	s.Close()
	if _, err := archive.ImportDir(vfs.OS{}, dir, a, t1); err != nil {
		t.Fatal(err)
	}
	// calib's fields are float64: written by Go, so floats (2.0), as Python would.
	for key, want := range map[string]string{"model": `{"value":7.5}`, "calibration": `{"gain":2.0,"offset":-1.0}`} {
		b, _ := os.ReadFile(filepath.Join(dir, key+".json"))
		if string(b) != want {
			t.Fatalf("%s.json is %s, want RoSys's %s", key, b, want)
		}
	}
	s2 := persistencetest.Open(t, dir, store.WithFormat(store.FormatRoSys))
	c2 := persistence.NewValue(calib{})
	mustRegisterRestore(t, s2, "calibration", c2)
	if c2.Get() != (calib{Gain: 2, Offset: -1}) || s2.Status()[0].RestoredFrom != persistence.FromFile {
		t.Fatalf("%+v %+v", c2.Get(), s2.Status()[0])
	}
}
