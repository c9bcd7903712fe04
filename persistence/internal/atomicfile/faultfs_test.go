package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/persistence/vfs/crashfs"
	"github.com/gorosys/rosys/persistence/vfs/faultfs"
)

// plainFS is vfs.OS without OpenOverwrite: a file system that cannot
// write over a file.
type plainFS struct{ vfs.FS }

// faultfs recycles exactly when what it wraps does: tests of faults
// through the store run the path production takes on that file system.
func TestFaultFSRecyclesWhenTheWrappedFSCan(t *testing.T) {
	for name, c := range map[string]struct {
		inner vfs.FS
		want  bool
	}{
		"os":      {vfs.OS{}, true},
		"crashfs": {crashfs.New(), true},
		"plain":   {plainFS{vfs.OS{}}, false},
	} {
		if got := CanRecycle(faultfs.New(c.inner)); got != c.want {
			t.Errorf("%s: CanRecycle(faultfs) = %v, want %v", name, got, c.want)
		}
	}
	// Without OpenOverwrite underneath, a Writer asked to recycle makes a
	// new file, and the spare it could not write over stays as it is.
	dir := t.TempDir()
	rp := RecyclePath(dir, "k.json")
	if err := os.WriteFile(rp, []byte("spare"), 0o644); err != nil {
		t.Fatal(err)
	}
	ffs := faultfs.New(plainFS{vfs.OS{}})
	ffs.Fail(faultfs.Open, "", syscall.EIO) // would fail a call, if one were made
	w := Writer{FS: ffs, Dir: dir, Recycle: true}
	if err := w.Write("k.json", []byte("new")); err != nil {
		t.Fatal(err)
	}
	if ffs.Hits() != 0 {
		t.Fatal("OpenOverwrite was called on a file system that cannot write over a file")
	}
	if b, _ := os.ReadFile(rp); string(b) != "spare" {
		t.Fatalf("spare holds %q", b)
	}
	if _, err := ffs.OpenOverwrite(rp); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("OpenOverwrite without support underneath: %v", err)
	}
}

// Each operation of a write into a spare fails with its own rule: the
// write reports the injected error and the spare's name goes (a failed
// Open or Truncate leaves a new file to take the write instead).
func TestFaultFSInjectsIntoOverwrittenFiles(t *testing.T) {
	for _, op := range faultfs.OverwriteOps {
		t.Run(string(op), func(t *testing.T) {
			dir := t.TempDir()
			rp := RecyclePath(dir, "k.json")
			if err := os.WriteFile(rp, []byte("an older, longer generation"), 0o644); err != nil {
				t.Fatal(err)
			}
			// Held open so that its inode, if freed, is not reused by the
			// new file (SameFile compares inode numbers); an open
			// descriptor is no name, so it can still be written over.
			sf, err := os.Open(rp)
			if err != nil {
				t.Fatal(err)
			}
			defer sf.Close()
			spare, _ := sf.Stat()
			ffs := faultfs.New(vfs.OS{})
			match := "k.json"
			if op == faultfs.DirSync {
				match = ""
			}
			ffs.Fail(op, match, syscall.ENOSPC)
			w := Writer{FS: ffs, Dir: dir, Recycle: true}
			err = w.Write("k.json", []byte("new"))
			if err == nil {
				err = w.Sync()
			}
			if ffs.Hits() == 0 {
				t.Fatal("the fault was never hit")
			}
			switch op {
			case faultfs.Open, faultfs.Truncate:
				// Not written over: the write goes to a new file.
				if err != nil {
					t.Fatalf("write after a failed %s of the spare: %v", op, err)
				}
				now, _ := os.Lstat(filepath.Join(dir, "k.json"))
				if os.SameFile(spare, now) {
					t.Fatalf("written into a spare whose %s failed", op)
				}
				if b, _ := os.ReadFile(filepath.Join(dir, "k.json")); string(b) != "new" {
					t.Fatalf("k.json holds %q", b)
				}
			default:
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("error %v, want ENOSPC", err)
				}
			}
			if op != faultfs.DirSync {
				if _, err := os.Lstat(rp); !os.IsNotExist(err) {
					t.Fatalf("the spare is still there after a failed %s: %v", op, err)
				}
			}
		})
	}
}
