package store_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Makers of hostile things in a data directory, for the corrupt-file
// table and the tests of the lock, journal and backends.

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlinkTo(target string) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		t.Helper()
		if err := os.Symlink(target, path); err != nil {
			t.Fatal(err)
		}
	}
}

func symlinkLoop(t *testing.T, path string) {
	t.Helper()
	other := filepath.Join(filepath.Dir(path), "loop-"+filepath.Base(path))
	if err := os.Symlink(path, other); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(other, path); err != nil {
		t.Fatal(err)
	}
}

func mksocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	t.Cleanup(func() { ln.Close() })
}

// mkZeroDevice makes a character device node like /dev/zero (1, 5): read,
// it never ends.
func mkZeroDevice(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o644, 1<<8|5); err != nil {
		t.Skipf("cannot make a device node (needs root and a file system that allows it): %v", err)
	}
}

// sparse makes a file of size bytes that takes no disk space.
func sparse(size int64) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		t.Helper()
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
	}
}

// readJournal reads every record of the journal in dir.
func readJournal(t *testing.T, dir string) []journal.Record {
	t.Helper()
	var out []journal.Record
	if err := journal.Read(context.Background(), vfs.OS{}, dir, func(r journal.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
