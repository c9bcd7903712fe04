package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
)

type padded struct {
	Value float64 `json:"value"`
	Pad   string  `json:"pad"`
}

// commitPadded commits key holding a pad of n bytes (twice, so a .prev
// of the same size exists too) with the default limit, and returns the
// committed file's bytes.
func commitPadded(t *testing.T, dir, key string, n int, opts ...store.Option) []byte {
	t.Helper()
	s := persistencetest.Open(t, dir, opts...)
	v := persistence.NewValue(padded{})
	mustRegisterRestore(t, s, key, v)
	for i := range 2 {
		v.Set(padded{Value: float64(i + 1), Pad: strings.Repeat("x", n)})
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, key+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dirNames lists dir's entries.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// Issue 21.7: a limit lowered below a file the store committed itself
// (its envelope's header, or in format rosys its sidecar, says so) stops
// Restore with ErrCommittedOverLimit naming the file, its size, the key
// and the limit; nothing is moved aside or replaced. A foreign oversized
// file is moved aside like any unusable file, and the others restore.
func TestCommittedFileOverLimitStopsRestore(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []store.Option
		// damage prepares the directory after the commit; it returns the
		// file the error must name.
		damage func(t *testing.T, dir string) string
	}{
		{"envelope", nil, func(t *testing.T, dir string) string { return filepath.Join(dir, "big.json") }},
		{"format rosys (sidecar)", []store.Option{store.WithFormat(store.FormatRoSys)},
			func(t *testing.T, dir string) string { return filepath.Join(dir, "big.json") }},
		{"foreign main file, committed .prev", nil, func(t *testing.T, dir string) string {
			writeTestFile(t, filepath.Join(dir, "big.json"), "garbage")
			return filepath.Join(dir, "big.json.prev")
		}},
		{"committed main file, edited in place", nil, func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "big.json")
			b, _ := os.ReadFile(p)
			writeTestFile(t, p, strings.Replace(string(b), `"value": 2`, `"value": 7`, 1))
			return p
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			commitPadded(t, dir, "big", 4000, tc.opts...)
			commitPadded(t, dir, "small", 10, tc.opts...)
			path := tc.damage(t, dir)
			before := dirNames(t, dir)
			want, _ := os.ReadFile(path)
			opts := append([]store.Option{store.WithMaxFileBytes(2048)}, tc.opts...)
			s := persistencetest.Open(t, dir, opts...)
			big, small := persistence.NewValue(padded{Value: -1}), persistence.NewValue(padded{Value: -1})
			if err := s.Register("big", big); err != nil {
				t.Fatal(err)
			}
			if err := s.Register("small", small); err != nil {
				t.Fatal(err)
			}
			err := s.Restore(context.Background())
			if !errors.Is(err, store.ErrCommittedOverLimit) {
				t.Fatalf("Restore = %v, want ErrCommittedOverLimit", err)
			}
			for _, part := range []string{path, `"big"`, strconv.Itoa(len(want)) + " bytes", "limit is 2048"} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not name %q", err, part)
				}
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
				t.Fatal("the committed file changed")
			}
			after := dirNames(t, dir)
			for _, n := range after {
				if strings.Contains(n, ".corrupt-") && strings.HasPrefix(n, "big.json.corrupt") && tc.name != "foreign main file, committed .prev" {
					t.Fatalf("something was moved aside: %v", after)
				}
			}
			if tc.name != "foreign main file, committed .prev" && strings.Join(after, ",") != strings.Join(before, ",") {
				t.Fatalf("directory changed: %v → %v", before, after)
			}
			if err := s.Flush(context.Background()); err == nil {
				if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
					t.Fatal("a flush after the refused restore replaced the committed file")
				}
			}
			st, _ := s.ModuleStatus("big")
			if !strings.Contains(st.RestoreError, "limit is 2048") {
				t.Fatalf("status %+v", st)
			}
		})
	}
}

// What the store did not commit is moved aside as before, whatever its
// size, and start-up goes on: zeros, a plain RoSys file with no sidecar,
// an envelope of another key, an envelope laid out by another program.
func TestForeignOversizedFileIsMovedAside(t *testing.T) {
	pad := strings.Repeat("x", 3000)
	for name, content := range map[string]string{
		"zeros":            string(make([]byte, 3000)),
		"plain RoSys":      `{"value": 3, "pad": "` + pad + `"}`,
		"other key":        "{\n  \"format\": \"rosys-go/1\",\n  \"key\": \"other\",\n  \"schema_version\": 1,\n  \"saved_at\": \"2026-01-01T00:00:00Z\",\n  \"data\": {\"pad\": \"" + pad + "\"}\n}\n",
		"compact envelope": `{"format":"rosys-go/1","key":"big","schema_version":1,"data":{"pad":"` + pad + `"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeTestFile(t, filepath.Join(dir, "big.json"), content)
			s := persistencetest.Open(t, dir, store.WithMaxFileBytes(2048))
			v := persistence.NewValue(padded{Value: -1})
			mustRegisterRestore(t, s, "big", v)
			st, _ := s.ModuleStatus("big")
			if v.Get().Value != -1 || len(st.MovedAside) != 1 || !strings.Contains(st.RestoreError, "limit is 2048") {
				t.Fatalf("status %+v", st)
			}
			if got, _ := os.ReadFile(st.MovedAside[0]); string(got) != content {
				t.Fatal("the file kept aside changed")
			}
		})
	}
}

// Offline commands read module files with the default limit: a committed
// file over it (a sparse 64 MiB + 1 file starting with the store's own
// header) is ErrCommittedOverLimit for an export and an import, which
// change nothing.
func TestOfflineCommittedOverLimit(t *testing.T) {
	dir := t.TempDir()
	b := commitPadded(t, dir, "big", 10)
	p := filepath.Join(dir, "big.json")
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(store.DefaultMaxFileBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var buf bytes.Buffer
	if _, err := archive.ExportDir(dir, &buf, "robot", time.Now()); !errors.Is(err, store.ErrCommittedOverLimit) || !strings.Contains(err.Error(), p) {
		t.Fatalf("export: %v", err)
	}
	other := []byte("{\n  \"format\": \"rosys-go/1\",\n  \"key\": \"x\",\n  \"schema_version\": 1,\n  \"saved_at\": \"2026-01-01T00:00:00Z\",\n  \"data\": {}\n}\n")
	if _, err := archive.ImportDir(vfs.OS{}, dir, &archive.Archive{Files: map[string][]byte{"x": other}}, time.Now()); !errors.Is(err, store.ErrCommittedOverLimit) {
		t.Fatalf("import: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the import wrote a file")
	}
	got, _ := os.ReadFile(p)
	if int64(len(got)) != store.DefaultMaxFileBytes+1 || !bytes.HasPrefix(got, b[:len(b)-10]) {
		t.Fatal("the committed file changed")
	}
}
