package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
)

var t1 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type calib struct {
	Gain   float64 `json:"gain"`
	Offset float64 `json:"offset"`
}

// robotDir makes a data directory holding two modules.
func robotDir(t *testing.T) string {
	dir := t.TempDir()
	s := persistencetest.Open(t, dir)
	m := persistence.NewValue(map[string]float64{"value": 7.5})
	c := persistence.NewValue(calib{Gain: 2, Offset: -1})
	mustRegisterRestore(t, s, "model", m)
	mustRegisterRestore(t, s, "calibration", c)
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return dir
}

func TestExportImportRoundTrip(t *testing.T) {
	src := robotDir(t)
	var buf bytes.Buffer
	m, err := archive.ExportDir(src, &buf, "demo", t1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Robot != "demo" || len(m.Files) != 2 || m.Files[0].Key != "calibration" || m.Files[0].SchemaVersion != 1 || len(m.Files[0].SHA256) != 64 {
		t.Fatalf("manifest %+v", m)
	}
	a, err := archive.Read(bytes.NewReader(buf.Bytes()), archive.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	res, err := archive.ImportDir(vfs.OS{}, dst, a, t1)
	if err != nil {
		t.Fatal(err)
	}
	// An empty directory knows no module: both are reported, both written.
	if len(res.Imported) != 0 || strings.Join(res.Unknown, ",") != "calibration,model" || !strings.HasPrefix(res.Rollback, filepath.Join(dst, "rollback")) {
		t.Fatalf("%+v", res)
	}
	s := persistencetest.Open(t, dst)
	c := persistence.NewValue(calib{})
	mustRegisterRestore(t, s, "calibration", c)
	if c.Get() != (calib{Gain: 2, Offset: -1}) {
		t.Fatal(c.Get())
	}
}

func TestExportDirRefusesRunningRobot(t *testing.T) {
	dir := t.TempDir()
	persistencetest.Open(t, dir)
	if _, err := archive.ExportDir(dir, &bytes.Buffer{}, "x", t1); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("%v", err)
	}
}

func TestImportIntoRunningStore(t *testing.T) {
	src := robotDir(t)
	var buf bytes.Buffer
	if _, err := archive.ExportDir(src, &buf, "demo", t1); err != nil {
		t.Fatal(err)
	}
	a, err := archive.Read(&buf, archive.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := persistencetest.Open(t, dir)
	m := persistence.NewValue(map[string]float64{"value": 1})
	mustRegisterRestore(t, s, "model", m) // no "calibration" module here
	res, err := s.Import(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if m.Get()["value"] != 7.5 || strings.Join(res.Imported, ",") != "model" || strings.Join(res.Unknown, ",") != "calibration" {
		t.Fatalf("value %v result %+v", m.Get(), res)
	}
	// Written at once, unknown modules included.
	if got := readFileData(t, dir, "model"); got != `{"value":7.5}` {
		t.Fatal(got)
	}
	if got := readFileData(t, dir, "calibration"); got != `{"gain":2.0,"offset":-1.0}` {
		t.Fatal(got)
	}
	// The rollback archive holds the state before the import.
	f, err := os.Open(res.Rollback)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rb, err := archive.Read(f, archive.DefaultLimits)
	if err != nil || !strings.Contains(string(rb.Files["model"]), `"value": 1`) {
		t.Fatalf("rollback %v %s", err, rb.Files["model"])
	}
}

type picky struct {
	persistence.Tracker
	v       int
	refuses bool
}

func (p *picky) Backup() any { return p.v }
func (p *picky) Restore(d json.RawMessage) error {
	var v int
	if err := json.Unmarshal(d, &v); err != nil {
		return err
	}
	if p.refuses && v == 99 {
		return errors.New("99 is out of range")
	}
	p.v = v
	return nil
}

func TestFailedImportChangesNothing(t *testing.T) {
	read := func(files map[string]string) *archive.Archive {
		obj := map[string]json.RawMessage{}
		for k, v := range files {
			obj[k] = json.RawMessage(v)
		}
		j, _ := json.Marshal(obj)
		a, err := archive.Read(bytes.NewReader(j), archive.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	dir := t.TempDir()
	s := persistencetest.Open(t, dir)
	a, b := &picky{v: 1}, &picky{v: 2, refuses: true}
	mustRegisterRestore(t, s, "a", a)
	mustRegisterRestore(t, s, "b", b)
	_, err := s.Import(context.Background(), read(map[string]string{"a": "50", "b": "99"}))
	if err == nil || !strings.Contains(err.Error(), `"b"`) || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("%v", err)
	}
	if a.v != 1 || b.v != 2 {
		t.Fatalf("a=%d b=%d after a failed import", a.v, b.v)
	}
	if got := readValue(t, dir, "a"); got != 1 {
		t.Fatalf("file of a holds %d", got)
	}
}

func TestImportRefusesNewerSchema(t *testing.T) {
	src := t.TempDir()
	s := persistencetest.Open(t, src)
	mustRegisterRestore(t, s, "m", persistence.NewValue(5, persistence.WithSchema[int](3, nil)))
	var buf bytes.Buffer
	if _, err := s.Export(context.Background(), &buf, "new"); err != nil {
		t.Fatal(err)
	}
	a, err := archive.Read(&buf, archive.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	old := persistencetest.Open(t, dst)
	v := persistence.NewValue(1)
	mustRegisterRestore(t, old, "m", v)
	if _, err := old.Import(context.Background(), a); !errors.Is(err, store.ErrNewerSchema) || v.Get() != 1 {
		t.Fatalf("%v, value %d", err, v.Get())
	}
}

func TestRoSysExportJSONImports(t *testing.T) {
	a, err := archive.Read(strings.NewReader(`{"model": {"value": 4.2}, "calibration": {"gain": 3}}`), archive.DefaultLimits)
	if err != nil || !a.RoSys || len(a.Files) != 2 {
		t.Fatalf("%v %+v", err, a)
	}
	dir := t.TempDir()
	s := persistencetest.Open(t, dir)
	m := persistence.NewValue(map[string]float64{})
	c := persistence.NewValue(calib{Offset: 0.5})
	mustRegisterRestore(t, s, "model", m)
	mustRegisterRestore(t, s, "calibration", c)
	if _, err := s.Import(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if m.Get()["value"] != 4.2 || c.Get() != (calib{Gain: 3, Offset: 0.5}) {
		t.Fatalf("%v %+v", m.Get(), c.Get())
	}
	for _, bad := range []string{`{"../x": {}}`, `{"m": null}`, `[1]`, `{"m": `, ``} {
		if _, err := archive.Read(strings.NewReader(bad), archive.DefaultLimits); !errors.Is(err, archive.ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
