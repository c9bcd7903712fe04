package vfs_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/persistence/vfs"
)

// TestNameOperationsMatchStrings: the operations on prepared names do
// what the string ones do, refuse what they refuse, and allocate
// nothing in the steady state of a module write.
func TestNameOperationsMatchStrings(t *testing.T) {
	dir := t.TempDir()
	fsys := vfs.OS{}
	p := filepath.Join(dir, "m.json")
	if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	name, link, moved := vfs.NewName(p), vfs.NewName(p+".link"), vfs.NewName(p+".moved")

	buf := make([]byte, 0, 64)
	got, err := vfs.ReadFileNameBuf(fsys, name, 100, buf)
	if err != nil || string(got) != "hello" || &got[:1][0] != &buf[:1][0] {
		t.Fatalf("ReadFileNameBuf = %q, %v (into the buffer given: %v)", got, err, err == nil && &got[:1][0] == &buf[:1][0])
	}
	if _, err := vfs.ReadFileNameBuf(fsys, name, 4, nil); !errors.Is(err, vfs.ErrTooLarge) {
		t.Errorf("5 bytes with limit 4: %v, want ErrTooLarge", err)
	}
	if err := vfs.LinkName(fsys, name, link); err != nil {
		t.Fatal(err)
	}
	if err := vfs.LinkName(fsys, name, link); !errors.Is(err, fs.ErrExist) {
		t.Errorf("link onto a taken name: %v, want ErrExist", err)
	}
	// Two names: never written over.
	if _, err := vfs.OpenOverwriteName(fsys, name); !errors.Is(err, vfs.ErrShared) {
		t.Errorf("OpenOverwriteName of a file with two names: %v, want ErrShared", err)
	}
	if err := vfs.RenameName(fsys, link, moved); err != nil {
		t.Fatal(err)
	}
	if err := vfs.RemoveName(fsys, moved); err != nil {
		t.Fatal(err)
	}
	if err := vfs.RemoveName(fsys, moved); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("remove of a missing name: %v, want ErrNotExist", err)
	}
	f, err := vfs.OpenOverwriteName(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("HI")); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err == nil {
		t.Error("second Close succeeded")
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, []byte("HI")) {
		t.Errorf("written over: %q, want HI", b)
	}
	if err := vfs.SyncDirName(fsys, vfs.NewName(dir)); err != nil {
		t.Fatal(err)
	}

	// What is not a regular file is refused, never followed or waited on.
	sym := filepath.Join(dir, "sym")
	if err := os.Symlink(p, sym); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{sym, fifo, dir} {
		if _, err := vfs.ReadFileNameBuf(fsys, vfs.NewName(bad), 100, nil); !errors.Is(err, vfs.ErrNotRegular) {
			t.Errorf("read %s: %v, want ErrNotRegular", filepath.Base(bad), err)
		}
		if _, err := vfs.OpenOverwriteName(fsys, vfs.NewName(bad)); !errors.Is(err, vfs.ErrNotRegular) {
			t.Errorf("open %s to write over: %v, want ErrNotRegular", filepath.Base(bad), err)
		}
	}

	// The steady state of a module write: open the spare, cut, write,
	// fsync, close, link and rename: no allocation.
	spare, dst := vfs.NewName(p+".spare"), vfs.NewName(p+".dst")
	if err := os.WriteFile(spare.String(), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := []byte("payload")
	if n := testing.AllocsPerRun(20, func() {
		f, err := vfs.OpenOverwriteName(fsys, spare)
		if err != nil {
			t.Fatal(err)
		}
		_ = f.Truncate(int64(len(data)))
		_, _ = f.Write(data)
		_ = f.Sync()
		_ = f.Close()
		if err := vfs.RenameName(fsys, spare, dst); err != nil {
			t.Fatal(err)
		}
		if err := vfs.LinkName(fsys, dst, spare); err != nil {
			t.Fatal(err)
		}
		if err := vfs.RemoveName(fsys, dst); err != nil {
			t.Fatal(err)
		}
		buf, _ = vfs.ReadFileNameBuf(fsys, spare, 100, buf)
	}); n != 0 {
		t.Errorf("%v allocations per write over a prepared name, want 0", n)
	}
}
