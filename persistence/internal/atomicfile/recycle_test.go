package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gorosys/rosys/persistence/vfs"
)

// A file at the recycle path that has another name (a hard link) or is
// no regular file is never written through: the other name keeps its
// bytes, the recycle name goes, and the write lands in a new file.
func TestRecycledFileIsWrittenOverOnlyWhenItIsItsOwn(t *testing.T) {
	w := Writer{FS: vfs.OS{}, Recycle: true}
	for name, put := range map[string]func(t *testing.T, dir, rp string) string{
		"hard link": func(t *testing.T, dir, rp string) string {
			other := filepath.Join(dir, "other")
			if err := os.WriteFile(other, []byte("kept as it is"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(other, rp); err != nil {
				t.Fatal(err)
			}
			return other
		},
		"symbolic link": func(t *testing.T, dir, rp string) string {
			other := filepath.Join(dir, "other")
			if err := os.WriteFile(other, []byte("kept as it is"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(other, rp); err != nil {
				t.Fatal(err)
			}
			return other
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			w.Dir = dir
			rp := RecyclePath(dir, "k.json")
			other := put(t, dir, rp)
			if err := w.Write("k.json", []byte("new bytes")); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(other); string(b) != "kept as it is" {
				t.Fatalf("the other name holds %q", b)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "k.json")); string(b) != "new bytes" {
				t.Fatalf("k.json holds %q", b)
			}
			if _, err := os.Lstat(rp); !os.IsNotExist(err) {
				t.Fatalf("recycle name still there: %v", err)
			}
		})
	}
	// Its own file, longer than the new bytes: written over and cut, so
	// no old byte is left at its end.
	dir := t.TempDir()
	w.Dir = dir
	rp := RecyclePath(dir, "k.json")
	if err := os.WriteFile(rp, []byte("a much longer old version of the file"), 0o644); err != nil {
		t.Fatal(err)
	}
	old, _ := os.Lstat(rp)
	if err := w.Write("k.json", []byte("short")); err != nil {
		t.Fatal(err)
	}
	now, _ := os.Lstat(filepath.Join(dir, "k.json"))
	if b, _ := os.ReadFile(filepath.Join(dir, "k.json")); string(b) != "short" {
		t.Fatalf("k.json holds %q", b)
	}
	if !os.SameFile(old, now) {
		t.Fatal("the recycled file was not used")
	}
}

// After a failed Sync the directory on disk may still give a spare file
// an earlier name: ForgetRecycled removes every spare of the name, so the
// next Write makes a new file instead of writing over it.
func TestForgetRecycledRemovesBothSpares(t *testing.T) {
	dir := t.TempDir()
	w := Writer{FS: vfs.OS{}, Dir: dir, KeepPrev: true, RecyclePrev: true}
	for i := range 4 {
		if err := w.Write("k.json", []byte{byte('a' + i)}); err != nil {
			t.Fatal(err)
		}
	}
	spares, _ := filepath.Glob(filepath.Join(dir, "k.json.tmp-recycled*"))
	if len(spares) != 1 {
		t.Fatalf("spares after 4 writes: %v", spares)
	}
	os.WriteFile(prevSlot(dir, "k.json"), []byte("x"), 0o644)
	os.WriteFile(RecyclePath(dir, "k.json"), []byte("y"), 0o644)
	w.ForgetRecycled("k.json")
	if spares, _ := filepath.Glob(filepath.Join(dir, "k.json.tmp-recycled*")); len(spares) != 0 {
		t.Fatalf("spares left: %v", spares)
	}
	for name, want := range map[string]string{"k.json": "d", "k.json.prev": "c"} {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != want {
			t.Fatalf("%s holds %q, want %q", name, b, want)
		}
	}
}
