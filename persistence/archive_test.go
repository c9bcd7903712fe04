package persistence_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
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
	m, err := persistence.ExportDir(src, &buf, "demo", t1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Robot != "demo" || len(m.Files) != 2 || m.Files[0].Key != "calibration" || m.Files[0].SchemaVersion != 1 || len(m.Files[0].SHA256) != 64 {
		t.Fatalf("manifest %+v", m)
	}
	a, err := persistence.ReadArchive(bytes.NewReader(buf.Bytes()), persistence.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	res, err := persistence.ImportDir(dst, a, t1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Imported, ",") != "calibration,model" || !strings.HasPrefix(res.Rollback, filepath.Join(dst, "rollback")) {
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
	if _, err := persistence.ExportDir(dir, &bytes.Buffer{}, "x", t1); !errors.Is(err, persistence.ErrLocked) {
		t.Fatalf("%v", err)
	}
}

func TestImportIntoRunningStore(t *testing.T) {
	src := robotDir(t)
	var buf bytes.Buffer
	if _, err := persistence.ExportDir(src, &buf, "demo", t1); err != nil {
		t.Fatal(err)
	}
	a, err := persistence.ReadArchive(&buf, persistence.DefaultLimits)
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
	if got := readFileData(t, dir, "calibration"); got != `{"gain":2,"offset":-1}` {
		t.Fatal(got)
	}
	// The rollback archive holds the state before the import.
	f, err := os.Open(res.Rollback)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rb, err := persistence.ReadArchive(f, persistence.DefaultLimits)
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
	archive := func(files map[string]string) *persistence.Archive {
		obj := map[string]json.RawMessage{}
		for k, v := range files {
			obj[k] = json.RawMessage(v)
		}
		j, _ := json.Marshal(obj)
		a, err := persistence.ReadArchive(bytes.NewReader(j), persistence.DefaultLimits)
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
	_, err := s.Import(context.Background(), archive(map[string]string{"a": "50", "b": "99"}))
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
	a, err := persistence.ReadArchive(&buf, persistence.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	old := persistencetest.Open(t, dst)
	v := persistence.NewValue(1)
	mustRegisterRestore(t, old, "m", v)
	if _, err := old.Import(context.Background(), a); !errors.Is(err, persistence.ErrNewerSchema) || v.Get() != 1 {
		t.Fatalf("%v, value %d", err, v.Get())
	}
}

func TestRoSysExportJSONImports(t *testing.T) {
	a, err := persistence.ReadArchive(strings.NewReader(`{"model": {"value": 4.2}, "calibration": {"gain": 3}}`), persistence.DefaultLimits)
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
		if _, err := persistence.ReadArchive(strings.NewReader(bad), persistence.DefaultLimits); !errors.Is(err, persistence.ErrInvalidArchive) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// entry is one tar entry of a hand-built archive.
type entry struct {
	name string
	typ  byte
	body string
	link string
}

func moduleFile(key string, version int, data string) string {
	return fmt.Sprintf(`{"format":"rosys-go/1","key":%q,"schema_version":%d,"data":%s}`, key, version, data)
}

func manifestFor(files map[string]string, versions map[string]int) string {
	var fs []string
	for k, body := range files {
		sum := sha256.Sum256([]byte(body))
		v := 1
		if versions[k] != 0 {
			v = versions[k]
		}
		fs = append(fs, fmt.Sprintf(`{"key":%q,"path":"modules/%s.json","size":%d,"sha256":%q,"schema_version":%d}`, k, k, len(body), hex.EncodeToString(sum[:]), v))
	}
	return `{"format":"rosys-go-archive/1","robot":"x","created_at":"2026-01-01T00:00:00Z","files":[` + strings.Join(fs, ",") + `]}`
}

func build(entries []entry) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Linkname: e.link}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		_ = tw.WriteHeader(h)
		if typ == tar.TypeReg {
			_, _ = tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestHostileArchives(t *testing.T) {
	good := moduleFile("model", 1, `{"value":1}`)
	man := manifestFor(map[string]string{"model": good}, nil)
	bomb := func() []byte {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		_ = tw.WriteHeader(&tar.Header{Name: "modules/model.json", Typeflag: tar.TypeReg, Size: 1 << 30, Mode: 0o644})
		zeros := make([]byte, 1<<20)
		for range 20 { // 20 MiB of zeros compress to a few KiB
			_, _ = tw.Write(zeros)
		}
		gz.Close()
		return buf.Bytes()
	}()
	tight := persistence.Limits{MaxTotal: 1 << 20, MaxFile: 64 << 10, MaxEntries: 8}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"valid":           {build([]entry{{name: "manifest.json", body: man}, {name: "modules/model.json", body: good}}), ""},
		"absolute path":   {build([]entry{{name: "manifest.json", body: man}, {name: "/etc/passwd", body: "x"}}), `"/etc/passwd": absolute path`},
		"dot dot":         {build([]entry{{name: "manifest.json", body: man}, {name: "modules/../../x.json", body: "x"}}), `"modules/../../x.json"`},
		"symlink":         {build([]entry{{name: "manifest.json", body: man}, {name: "modules/model.json", typ: tar.TypeSymlink, link: "/etc/shadow"}}), "symbolic link"},
		"hard link":       {build([]entry{{name: "manifest.json", body: man}, {name: "modules/model.json", typ: tar.TypeLink, link: "manifest.json"}}), "hard link"},
		"device":          {build([]entry{{name: "manifest.json", body: man}, {name: "modules/model.json", typ: tar.TypeChar}}), "device"},
		"duplicate":       {build([]entry{{name: "manifest.json", body: man}, {name: "modules/model.json", body: good}, {name: "modules/model.json", body: good}}), "appears twice"},
		"other file":      {build([]entry{{name: "manifest.json", body: man}, {name: "run.sh", body: "x"}}), `"run.sh": not manifest.json`},
		"bad key":         {build([]entry{{name: "manifest.json", body: man}, {name: "modules/a b.json", body: "x"}}), `"modules/a b.json"`},
		"no manifest":     {build([]entry{{name: "modules/model.json", body: good}}), "no manifest.json"},
		"checksum":        {build([]entry{{name: "manifest.json", body: man}, {name: "modules/model.json", body: strings.Replace(good, "1}", "2}", 1)}}), "does not match its checksum"},
		"missing file":    {build([]entry{{name: "manifest.json", body: man}}), "in the manifest but not in the archive"},
		"unlisted file":   {build([]entry{{name: "manifest.json", body: manifestFor(map[string]string{}, nil)}, {name: "modules/model.json", body: good}}), "not in the manifest"},
		"wrong format":    {build([]entry{{name: "manifest.json", body: strings.Replace(man, "archive/1", "archive/9", 1)}, {name: "modules/model.json", body: good}}), "format"},
		"bad module file": {build([]entry{{name: "manifest.json", body: manifestFor(map[string]string{"model": "{garbage"}, nil)}, {name: "modules/model.json", body: "{garbage"}}), `"modules/model.json": parse JSON`},
		"schema mismatch": {build([]entry{{name: "manifest.json", body: manifestFor(map[string]string{"model": good}, map[string]int{"model": 2})}, {name: "modules/model.json", body: good}}), "schema version 1, the manifest says 2"},
		"key mismatch":    {build([]entry{{name: "manifest.json", body: manifestFor(map[string]string{"model": moduleFile("other", 1, "{}")}, nil)}, {name: "modules/model.json", body: moduleFile("other", 1, "{}")}}), `holds module "other"`},
		"file too big":    {build([]entry{{name: "manifest.json", body: man}, {name: "modules/model.json", body: strings.Repeat(" ", 65<<10) + good}}), "more than the 65536 allowed"},
		"gzip bomb":       {bomb, "model.json"},
		"too many entries": {build(func() []entry {
			var es []entry
			for i := range 9 {
				es = append(es, entry{name: fmt.Sprintf("modules/m%d.json", i), body: "{}"})
			}
			return es
		}()), "more than 8 entries"},
		"not an archive": {[]byte("\x00\x01garbage"), "neither a .tar.gz"},
		// Issue 12: directory entries, even modules/, are refused; files of
		// ours are never taken for a RoSys export.json.
		"modules directory":           {build([]entry{{name: "manifest.json", body: man}, {name: "modules/", typ: tar.TypeDir}, {name: "modules/model.json", body: good}}), `"modules/" is a directory`},
		"other directory":             {build([]entry{{name: "manifest.json", body: man}, {name: "modules/x/", typ: tar.TypeDir}}), `"modules/x/"`},
		"module file as export":       {[]byte(good), `a rosys-go file (format "rosys-go/1")`},
		"newer module file":           {[]byte(strings.Replace(good, "rosys-go/1", "rosys-go/2", 1)), `(format "rosys-go/2")`},
		"manifest as export":          {[]byte(man), `(format "rosys-go-archive/1")`},
		"envelope inside":             {[]byte(`{"model": ` + good + `}`), `module "model" holds a rosys-go file`},
		"RoSys export over the limit": {[]byte(`{"model": {"v": "` + strings.Repeat("x", 1<<20) + `"}}`), "more than 1048576 bytes"},
		"truncated":                   {build([]entry{{name: "manifest.json", body: man}, {name: "modules/model.json", body: good}})[:40], "invalid archive"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := persistence.ReadArchive(bytes.NewReader(tc.data), tight)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, persistence.ErrInvalidArchive) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			// Only size limits are ErrArchiveTooLarge (HTTP 413).
			tooBig := map[string]bool{"file too big": true, "gzip bomb": true, "too many entries": true, "RoSys export over the limit": true}
			if errors.Is(err, persistence.ErrArchiveTooLarge) != tooBig[name] {
				t.Fatalf("%v: ErrArchiveTooLarge is %v, want %v", err, !tooBig[name], tooBig[name])
			}
		})
	}
}
