package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence/archive"
)

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
	tight := archive.Limits{MaxTotal: 1 << 20, MaxFile: 64 << 10, MaxEntries: 8}
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
			_, err := archive.Read(bytes.NewReader(tc.data), tight)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, archive.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			// Only size limits are ErrTooLarge (HTTP 413).
			tooBig := map[string]bool{"file too big": true, "gzip bomb": true, "too many entries": true, "RoSys export over the limit": true}
			if errors.Is(err, archive.ErrTooLarge) != tooBig[name] {
				t.Fatalf("%v: ErrTooLarge is %v, want %v", err, !tooBig[name], tooBig[name])
			}
		})
	}
}
