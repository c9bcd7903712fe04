package history_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// editInPlace rewrites a file through its inode, as Python's open(p,
// "w"), nano, and vim on a file with several links do.
func editInPlace(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// Whatever is done to the live module file in place (same size, other
// size, emptied), every version keeps its bytes and reads back good.
func TestEditingTheModuleFileInPlaceLeavesEveryVersionIntact(t *testing.T) {
	for _, edit := range []struct {
		name string
		data func(old []byte) []byte
	}{
		{"same size", func(old []byte) []byte { return bytes.ReplaceAll(old, []byte(`"n": 3`), []byte(`"n": 9`)) }},
		{"longer", func(old []byte) []byte { return append(bytes.Clone(old), "   "...) }},
		{"emptied", func([]byte) []byte { return nil }},
		{"garbage", func([]byte) []byte { return []byte("{{{{") }},
	} {
		t.Run(edit.name, func(t *testing.T) {
			dir := t.TempDir()
			h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
			var want [][]byte
			for i := 1; i <= 3; i++ {
				commit(t, h, dir, "model", i, t0)
				b, _ := os.ReadFile(filepath.Join(dir, "model.json"))
				want = append(want, b)
			}
			live := filepath.Join(dir, "model.json")
			editInPlace(t, live, edit.data(want[2]))
			editInPlace(t, live+".prev", []byte("x"))
			for _, hh := range []*history.History{h, history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)} {
				vs, err := hh.List("model")
				if err != nil || len(vs) != 3 {
					t.Fatalf("versions %+v, %v", vs, err)
				}
				for i, v := range vs {
					b, err := hh.Read("model", v)
					if err != nil || !bytes.Equal(b, want[i]) || v.Damaged != "" {
						t.Fatalf("version %d after an edit in place: %q, %v, damaged %q", v.Version, b, err, v.Damaged)
					}
				}
			}
		})
	}
}

// The module file edited in place after its commit but before its
// version was kept: the edit is found (the bytes do not match the
// commit's checksum) and not kept as the version.
func TestAnEditBeforeTheRecordIsNotKeptAsTheVersion(t *testing.T) {
	dir := t.TempDir()
	h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
	b, _ := modfile.Encode("model", 1, t0, map[string]int{"n": 1})
	live := filepath.Join(dir, "model.json")
	os.WriteFile(live, b, 0o644)
	editInPlace(t, live, bytes.ReplaceAll(b, []byte(`"n": 1`), []byte(`"n": 7`)))
	_, err := h.Record("model", live, t0, int64(len(b)), sha256.Sum256(b))
	if !errors.Is(err, history.ErrChanged) {
		t.Fatalf("record of an edited file: %v, want ErrChanged", err)
	}
	if vs, _ := h.List("model"); len(vs) != 0 {
		t.Fatalf("an edited file kept as a version: %+v", vs)
	}
}

// oldLayout builds the history of an earlier version: version n a hard
// link of the module file committed as n, so the newest version shares
// its inode with model.json and the one before with model.json.prev.
// The index is written as that version wrote it at Close.
func oldLayout(t *testing.T, dir string) [][]byte {
	t.Helper()
	hd := filepath.Join(dir, history.Dir)
	os.MkdirAll(hd, 0o755)
	live := filepath.Join(dir, "model.json")
	var files [][]byte
	var idx []history.Version
	for i := 1; i <= 3; i++ {
		b, _ := modfile.Encode("model", 1, t0.Add(time.Duration(i)*time.Second), map[string]int{"n": i})
		tmp := live + ".new"
		os.WriteFile(tmp, b, 0o644)
		if i > 1 {
			os.Remove(live + ".prev")
			os.Link(live, live+".prev")
		}
		os.Rename(tmp, live)
		if err := os.Link(live, filepath.Join(hd, "model@"+string(rune('0'+i))+".json")); err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
		sum := sha256.Sum256(b)
		idx = append(idx, history.Version{Version: uint64(i), SavedAt: t0.Add(time.Duration(i) * time.Second), Size: int64(len(b)), SHA256: hexOf(sum[:]), SchemaVersion: 1})
	}
	writeIndex(t, hd, "model", idx)
	return files
}

// A data directory of an earlier version: at open, versions that share
// their inode with another name are checked and copied out into files of
// their own when they still hold what was recorded; one an edit in
// place already rewrote is listed as damaged and refused for restore.
func TestLinkedVersionsOfEarlierDataDirsAreCheckedAtOpen(t *testing.T) {
	for _, edited := range []string{"", "same size", "other size"} {
		t.Run("edited="+edited, func(t *testing.T) {
			dir := t.TempDir()
			files := oldLayout(t, dir)
			live := filepath.Join(dir, "model.json")
			switch edited {
			case "same size":
				editInPlace(t, live, bytes.ReplaceAll(files[2], []byte(`"n": 3`), []byte(`"n": 8`)))
			case "other size":
				editInPlace(t, live, []byte(`{"n": 8}`))
			}
			h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
			vs, err := h.List("model")
			if err != nil || len(vs) != 3 {
				t.Fatalf("versions %+v, %v", vs, err)
			}
			for i, v := range vs {
				vpath := filepath.Join(dir, history.Dir, "model@"+string(rune('1'+i))+".json")
				b, err := h.Read("model", v)
				if i == 2 && edited != "" {
					if v.Damaged == "" || !errors.Is(err, history.ErrDamaged) {
						t.Fatalf("version 3, rewritten by the edit, listed %+v, read %v; want damaged", v, err)
					}
					continue
				}
				if err != nil || !bytes.Equal(b, files[i]) || v.Damaged != "" {
					t.Fatalf("version %d: %q, %v, damaged %q", v.Version, b, err, v.Damaged)
				}
				a, _ := os.Stat(vpath)
				for _, other := range []string{live, live + ".prev"} {
					o, _ := os.Stat(other)
					if os.SameFile(a, o) {
						t.Fatalf("version %d still shares its inode with %s", v.Version, filepath.Base(other))
					}
				}
			}
			// From now on the live file may be edited: the versions stay.
			editInPlace(t, live, []byte("{}"))
			editInPlace(t, live+".prev", []byte("{}"))
			h2 := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
			vs, _ = h2.List("model")
			good := 3
			if edited != "" {
				good = 2
			}
			for i, v := range vs[:good] {
				if b, err := h2.Read("model", v); err != nil || !bytes.Equal(b, files[i]) {
					t.Fatalf("after a later edit, version %d: %q, %v", v.Version, b, err)
				}
			}
			if edited != "" && !strings.Contains(vs[2].Damaged, "checksum") && !strings.Contains(vs[2].Damaged, "bytes") {
				t.Fatalf("damaged version 3 says %q", vs[2].Damaged)
			}
		})
	}
}

// A version file changed at its own size: the index still matches its
// size, and the first listing of the run checks the bytes, so it is
// listed as damaged before anyone reads or picks it.
func TestAVersionChangedAtItsSizeIsListedDamaged(t *testing.T) {
	dir := t.TempDir()
	h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
	for i := 1; i <= 3; i++ {
		commit(t, h, dir, "model", i, t0)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, history.Dir, "model@2.json")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte(`"n": 2`), []byte(`"n": 5`), 1), 0o644)
	vs, err := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20).List("model")
	if err != nil || len(vs) != 3 || vs[0].Damaged != "" || vs[1].Damaged == "" || vs[2].Damaged != "" {
		t.Fatalf("listing after a change at the same size: %+v, %v", vs, err)
	}
}
