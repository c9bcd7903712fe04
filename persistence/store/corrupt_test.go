package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

type settings struct {
	Speed int
	Name  string
}

var defaultSettings = settings{Speed: 1, Name: "default"}

const goodPrev = `{"format":"rosys-go/1","key":"m","schema_version":1,"saved_at":"2026-01-01T00:00:00Z","data":{"Speed":42,"Name":"prev"}}`

// corruptCases are files that must not be restored. setup writes the bad
// file at path; wantErr is part of the error the status must show.
var corruptCases = []struct {
	name    string
	content string // written to path unless setup is set
	setup   func(t *testing.T, path string)
	wantErr string
}{
	{name: "empty", content: "", wantErr: "file is empty"},
	{name: "truncated", content: `{"format":"rosys-go/1","key":"m","schema_version":1,"data":{"Spe`, wantErr: "parse JSON"},
	{name: "garbage", content: "\x00\xff\xfe garbage \x01", wantErr: "not hold a JSON object"},
	{name: "wrong types", content: `{"format":"rosys-go/1","key":"m","schema_version":1,"data":{"Speed":"fast"}}`, wantErr: "cannot unmarshal string"},
	{name: "plain wrong types", content: `{"Speed":[1,2]}`, wantErr: "cannot unmarshal array"},
	{name: "array", content: `[1,2,3]`, wantErr: "not hold a JSON object"},
	{name: "other key", content: `{"format":"rosys-go/1","key":"other","schema_version":1,"data":{}}`, wantErr: `holds module "other"`},
	{name: "no data", content: `{"format":"rosys-go/1","key":"m","schema_version":1}`, wantErr: `no "data"`},
	{name: "newer schema", content: `{"format":"rosys-go/1","key":"m","schema_version":9,"data":{"Speed":9}}`, wantErr: "newer schema version"},
	{name: "directory", setup: func(t *testing.T, path string) {
		if err := os.MkdirAll(filepath.Join(path, "inner"), 0o755); err != nil {
			t.Fatal(err)
		}
	}, wantErr: "is a directory"},
	// Hostile files (issue 12): none may be opened for reading, block
	// start-up, or be read into memory.
	{name: "fifo", setup: mkfifo, wantErr: "not a regular file (is a named pipe)"},
	{name: "symlink to /dev/zero", setup: symlinkTo("/dev/zero"), wantErr: "not a regular file"},
	{name: "symlink loop", setup: symlinkLoop, wantErr: "not a regular file"},
	{name: "dangling symlink", setup: symlinkTo("/nonexistent/x"), wantErr: "not a regular file"},
	{name: "socket", setup: mksocket, wantErr: "not a regular file"},
	{name: "zero device node", setup: mkZeroDevice, wantErr: "not a regular file (is a device)"},
	{name: "sparse 4 GiB", setup: sparse(4 << 30), wantErr: "file larger than allowed"},
	{name: "just over the limit", setup: sparse(store.DefaultMaxFileBytes + 1), wantErr: "file larger than allowed"},
	// Files of ours in a format or version this program does not know
	// are never read as plain RoSys data.
	{name: "newer envelope format", content: `{"format":"rosys-go/2","key":"m","schema_version":1,"data":{"Speed":9}}`, wantErr: "format this program does not know"},
	{name: "other rosys-go format", content: `{"format":"rosys-go-archive/1","files":[]}`, wantErr: "format this program does not know"},
	{name: "envelope shape, foreign format", content: `{"format":"acme/1","key":"m","schema_version":1,"data":{"Speed":9}}`, wantErr: `format "acme/1"`},
	{name: "envelope shape, empty format", content: `{"format":"","key":"m","schema_version":1,"data":{"Speed":9}}`, wantErr: "format this program does not know"},
	{name: "fails validation", content: `{"format":"rosys-go/1","key":"m","schema_version":1,"data":{"Speed":-3}}`, wantErr: "invalid value: speed -3 is negative"},
	{name: "plain fails validation", content: `{"Speed":-1}`, wantErr: "invalid value"},
	{name: "unreadable", setup: func(t *testing.T, path string) {
		if err := os.WriteFile(path, []byte(`{"Speed":5}`), 0o000); err != nil {
			t.Fatal(err)
		}
	}, wantErr: "permission denied"},
}

func checkSettings(s settings) error {
	if s.Speed < 0 {
		return fmt.Errorf("speed %d is negative", s.Speed)
	}
	return nil
}

func TestCorruptFileFallsBackToDefaults(t *testing.T) { testCorrupt(t, false) }

func TestCorruptFileFallsBackToPrevious(t *testing.T) { testCorrupt(t, true) }

func testCorrupt(t *testing.T, withPrev bool) {
	for _, tc := range corruptCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "m.json")
			if tc.setup != nil {
				tc.setup(t, path)
			} else if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			if withPrev {
				if err := os.WriteFile(path+".prev", []byte(goodPrev), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s := persistencetest.Open(t, dir)
			v := persistence.NewValue(defaultSettings, persistence.Validate(checkSettings))
			if err := s.Register("m", v); err != nil {
				t.Fatal(err)
			}
			restore := func() error { return s.Restore(context.Background()) }
			if tc.name == "unreadable" {
				restore = withoutFileCapabilities(t, dir, restore)
			}
			if err := restore(); err != nil {
				t.Fatalf("Restore failed start-up: %v", err)
			}

			st, _ := s.ModuleStatus("m")
			want, wantFrom := defaultSettings, persistence.FromDefaults
			if withPrev {
				want, wantFrom = settings{Speed: 42, Name: "prev"}, persistence.FromPrevious
			}
			if got := v.Get(); got != want {
				t.Fatalf("restored %+v, want %+v", got, want)
			}
			if st.RestoredFrom != wantFrom || !strings.Contains(st.RestoreError, tc.wantErr) || !strings.Contains(st.RestoreError, path) {
				t.Fatalf("status = %+v, want from %s and an error naming %s with %q", st, wantFrom, path, tc.wantErr)
			}
			if st.Pending != withPrev {
				t.Fatalf("pending = %v: restoring the previous generation must request a backup, defaults must not", st.Pending)
			}
			if len(st.MovedAside) != 1 || !strings.HasPrefix(st.MovedAside[0], path+".corrupt-") {
				t.Fatalf("moved aside: %v", st.MovedAside)
			}
			aside := st.MovedAside[0]
			checkKeptAside(t, tc.setup == nil, aside, tc.content)

			// The next write creates a good file and leaves the bad one alone.
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			checkKeptAside(t, tc.setup == nil, aside, tc.content)
			s.Close()
			s2 := persistencetest.Open(t, dir)
			v2 := persistence.NewValue(settings{})
			mustRegisterRestore(t, s2, "m", v2)
			if got := v2.Get(); got != want {
				t.Fatalf("after flush and reopen: %+v, want %+v", got, want)
			}
		})
	}
}

func checkKeptAside(t *testing.T, isFile bool, aside, content string) {
	t.Helper()
	fi, err := os.Lstat(aside)
	if err != nil {
		t.Fatalf("bad file not kept aside: %v", err)
	}
	if !isFile {
		return
	}
	b, err := os.ReadFile(aside)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, []byte(content)) || !fi.Mode().IsRegular() {
		t.Fatalf("kept-aside file changed: %q", b)
	}
}

func TestCorruptPreviousIsAlsoKeptAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	os.WriteFile(path, []byte("{garbage"), 0o644)
	os.WriteFile(path+".prev", []byte("{more garbage"), 0o644)
	s := persistencetest.Open(t, dir)
	v := persistence.NewValue(defaultSettings)
	mustRegisterRestore(t, s, "m", v)
	st, _ := s.ModuleStatus("m")
	if v.Get() != defaultSettings || st.RestoredFrom != persistence.FromDefaults || len(st.MovedAside) != 2 {
		t.Fatalf("status %+v value %+v", st, v.Get())
	}
	// A second corruption at the same instant gets its own name.
	os.WriteFile(path, []byte("{again"), 0o644)
	s.Close()
	s2 := persistencetest.Open(t, dir)
	mustRegisterRestore(t, s2, "m", persistence.NewValue(defaultSettings))
	names, _ := filepath.Glob(path + "*.corrupt-*")
	if len(names) != 3 {
		t.Fatalf("kept-aside files: %v, want 3 distinct", names)
	}
}

func TestMissingFileKeepsDefaults(t *testing.T) {
	s := persistencetest.Open(t, t.TempDir())
	v := persistence.NewValue(defaultSettings)
	mustRegisterRestore(t, s, "m", v)
	st, _ := s.ModuleStatus("m")
	if v.Get() != defaultSettings || st.RestoredFrom != persistence.FromDefaults || st.RestoreError != "" || st.Pending {
		t.Fatalf("status %+v", st)
	}
}

func TestUnmovableBadFileBlocksWrites(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a file that root cannot move but nobody cannot read; covered by the fsuid path in CI")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	original := []byte(`{"Speed":5}`)
	if err := os.WriteFile(path, original, 0o000); err != nil {
		t.Fatal(err)
	}
	s := persistencetest.Open(t, dir)
	v := persistence.NewValue(defaultSettings)
	if err := s.Register("m", v); err != nil {
		t.Fatal(err)
	}
	restore := withoutFileCapabilities(t, dir, func() error { return s.Restore(context.Background()) })
	os.Chmod(dir, 0o755) // nobody may read the directory but not rename in it
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	st, _ := s.ModuleStatus("m")
	if !strings.Contains(st.RestoreError, "nor moved aside") || v.Get() != defaultSettings {
		t.Fatalf("status %+v", st)
	}
	v.Set(settings{Speed: 7})
	err := s.Flush(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not writing over it") {
		t.Fatalf("Flush = %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, original) {
		t.Fatalf("unreadable file was replaced: %q", b)
	}
}
