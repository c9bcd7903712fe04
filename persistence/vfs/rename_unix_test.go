//go:build unix

package vfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gorosys/rosys/persistence/vfs"
)

// OS.Rename skips os.Rename's Lstat of the new name; rename(2) must still
// refuse a file onto a directory and leave both as they were.
func TestRenameRefusesFileOntoDirectory(t *testing.T) {
	dir := t.TempDir()
	file, target := filepath.Join(dir, "f"), filepath.Join(dir, "d")
	if err := os.WriteFile(file, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	err := vfs.OS{}.Rename(file, target)
	if err == nil {
		t.Fatal("renaming a file onto a directory succeeded")
	}
	if _, ok := err.(*os.LinkError); !ok {
		t.Fatalf("error %T %v, want *os.LinkError naming both paths", err, err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "data" {
		t.Fatalf("source after the refused rename: %q, %v", b, err)
	}
	if info, err := os.Lstat(target); err != nil || !info.IsDir() {
		t.Fatalf("directory after the refused rename: %v, %v", info, err)
	}
	// And over a file it replaces it.
	other := filepath.Join(dir, "g")
	if err := os.WriteFile(other, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (vfs.OS{}).Rename(file, other); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(other); err != nil || string(b) != "data" {
		t.Fatalf("after rename over a file: %q, %v", b, err)
	}
}
