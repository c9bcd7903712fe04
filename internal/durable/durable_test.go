package durable_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gorosys/rosys/internal/durable"
)

// only fails the test unless dir holds path alone (a temporary, even a
// dot file, shows: Glob's * matches a leading dot).
func only(t *testing.T, dir, path string) {
	t.Helper()
	if got, err := filepath.Glob(filepath.Join(dir, "*")); err != nil || len(got) != 1 || got[0] != path {
		t.Fatalf("directory holds %v (%v); want %s alone", got, err, path)
	}
}

// The file appears with its content and mode, replaces the old one, and
// no temporary stays beside it.
func TestWriteFileReplacesWithMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "VERSION")
	for _, c := range []struct {
		data string
		mode os.FileMode
	}{{"v1\n", 0o600}, {"v2, longer\n", 0o644}} {
		if err := durable.WriteFile(path, []byte(c.data), c.mode, "VERSION.tmp*"); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != c.data {
			t.Fatalf("read %q, %v; want %q", b, err, c.data)
		}
		info, err := os.Stat(path)
		if err != nil || info.Mode().Perm() != c.mode {
			t.Fatalf("mode %v, %v; want %v", info.Mode().Perm(), err, c.mode)
		}
		only(t, dir, path)
	}
}

// A write that cannot be renamed into place (a directory has the name)
// fails, leaves the directory there and removes its temporary.
func TestWriteFileFailureRemovesTheTemporary(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "img.jpg")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "x"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := durable.WriteFile(path, []byte("jpeg"), 0o644, ".tmp-*"); err == nil {
		t.Fatal("renamed over a non-empty directory")
	}
	only(t, dir, path)
	if err := durable.SyncDir(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Fatalf("SyncDir of a missing directory: %v", err)
	}
}
