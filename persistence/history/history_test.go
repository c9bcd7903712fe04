package history_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/persistence/vfs/faultfs"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// commit writes the module file as the store does (a new file renamed
// over the old) and records it.
func commit(t *testing.T, h *history.History, dir, key string, n int, at time.Time) history.Version {
	t.Helper()
	b, err := modfile.Encode(key, 1, at, map[string]int{"n": n})
	if err != nil {
		t.Fatal(err)
	}
	w := atomicfile.Writer{FS: vfs.OS{}, Dir: dir, KeepPrev: true}
	if err := w.Write(key+".json", b); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	v, err := h.Record(key, filepath.Join(dir, key+".json"), at, int64(len(b)), sha256.Sum256(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func versions(vs []history.Version) []uint64 {
	out := make([]uint64, len(vs))
	for i, v := range vs {
		out[i] = v.Version
	}
	return out
}

func TestRecordKeepsEveryVersionAndReadsThemBack(t *testing.T) {
	dir := t.TempDir()
	h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0.Add(time.Hour) }, 1<<20)
	for i := 1; i <= 4; i++ {
		v := commit(t, h, dir, "model", i, t0.Add(time.Duration(i)*time.Minute))
		if v.Version != uint64(i) {
			t.Fatalf("commit %d got version %d", i, v.Version)
		}
	}
	vs, err := h.List("model")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(versions(vs)); got != "[1 2 3 4]" {
		t.Fatalf("versions %s", got)
	}
	for i, v := range vs {
		b, err := h.Read("model", v)
		if err != nil {
			t.Fatal(err)
		}
		st, err := modfile.Decode("model", b)
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		_ = json.Compact(&c, st.Data)
		if want := fmt.Sprintf(`{"n":%d}`, i+1); c.String() != want {
			t.Errorf("version %d holds %s, want %s", v.Version, c.String(), want)
		}
		if !v.SavedAt.Equal(t0.Add(time.Duration(i+1) * time.Minute)) {
			t.Errorf("version %d saved at %s", v.Version, v.SavedAt)
		}
	}
	// A file of its own, never a link of the committed file, which
	// users edit in place.
	a, _ := os.Stat(filepath.Join(dir, "model.json"))
	b, _ := os.Stat(filepath.Join(dir, history.Dir, "model@4.json"))
	if os.SameFile(a, b) {
		t.Error("the newest version is a hard link of the committed file")
	}
}

func TestPruneByCountAgeAndBytes(t *testing.T) {
	for _, c := range []struct {
		name   string
		bounds history.Bounds
		want   string
	}{
		{"count", history.Bounds{Keep: 3, MaxAge: time.Hour, MaxBytes: 1 << 20}, "[4 5 6]"},
		{"age", history.Bounds{Keep: 100, MaxAge: 150 * time.Second, MaxBytes: 1 << 20}, "[4 5 6]"},
		{"bytes", history.Bounds{Keep: 100, MaxAge: time.Hour, MaxBytes: 1}, "[6]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			now := t0
			h := history.New(vfs.OS{}, dir, history.Config{Default: c.bounds}, func() time.Time { return now }, 1<<20)
			for i := 1; i <= 6; i++ {
				now = t0.Add(time.Duration(i) * time.Minute)
				commit(t, h, dir, "k", i, now)
			}
			vs, _ := h.List("k")
			if got := fmt.Sprint(versions(vs)); got != c.want {
				t.Fatalf("kept %s, want %s", got, c.want)
			}
			// Pruned files are gone; the index is written at Close; a
			// fresh History (after a restart) agrees.
			if err := h.Close(); err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(filepath.Join(dir, history.Dir))
			var names []string
			for _, e := range entries {
				if !atomicfile.IsSpare(e.Name()) { // the pruned version kept to be written over
					names = append(names, e.Name())
				}
			}
			if len(names) != len(vs)+1 { // + k@index.json
				t.Errorf("%d files for %d versions: %v", len(names), len(vs), names)
			}
			vs2, _ := history.New(vfs.OS{}, dir, history.Config{Default: c.bounds}, func() time.Time { return now }, 1<<20).List("k")
			if fmt.Sprint(versions(vs2)) != c.want {
				t.Errorf("after reopening: %v", versions(vs2))
			}
		})
	}
}

func TestPerModuleBounds(t *testing.T) {
	dir := t.TempDir()
	cfg := history.Config{Default: history.Bounds{Keep: 2, MaxAge: time.Hour, MaxBytes: 1 << 20},
		Modules: map[string]history.Bounds{"model": {Keep: 5, MaxAge: time.Hour, MaxBytes: 1 << 20}}}
	h := history.New(vfs.OS{}, dir, cfg, func() time.Time { return t0 }, 1<<20)
	for i := 1; i <= 6; i++ {
		commit(t, h, dir, "model", i, t0)
		commit(t, h, dir, "other", i, t0)
	}
	m, _ := h.List("model")
	o, _ := h.List("other")
	if len(m) != 5 || len(o) != 2 {
		t.Fatalf("model kept %d (want 5), other %d (want 2)", len(m), len(o))
	}
}

func TestIndexRebuiltFromFiles(t *testing.T) {
	dir := t.TempDir()
	open := func() *history.History {
		return history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
	}
	h := open()
	var want []history.Version
	for i := 1; i <= 3; i++ {
		want = append(want, commit(t, h, dir, "k", i, t0.Add(time.Duration(i)*time.Second)))
	}
	hd := filepath.Join(dir, history.Dir)
	index := filepath.Join(hd, "k@index.json")
	for _, damage := range []struct {
		name string
		do   func()
		want string
	}{
		{"index missing", func() { os.Remove(index) }, "[1 2 3]"},
		{"index torn", func() { os.WriteFile(index, []byte(`{"key":"k","vers`), 0o644) }, "[1 2 3]"},
		{"version file missing", func() { os.Remove(filepath.Join(hd, "k@2.json")) }, "[1 3]"},
		// Listed as damaged (never read, never restored), so that the
		// next version goes past its number.
		{"torn version file not in the index", func() {
			os.Remove(index)
			os.WriteFile(filepath.Join(hd, "k@7.json"), []byte(`{"format":"rosys-go/mod`), 0o644)
		}, "[1 3 7]"},
		{"a symlink is not a version", func() { os.Symlink(filepath.Join(hd, "k@1.json"), filepath.Join(hd, "k@8.json")) }, "[1 3 7 8]"},
	} {
		damage.do()
		vs, err := open().List("k")
		if err != nil {
			t.Fatalf("%s: %v", damage.name, err)
		}
		if got := fmt.Sprint(versions(vs)); got != damage.want {
			t.Fatalf("%s: listed %s, want %s", damage.name, got, damage.want)
		}
		for _, v := range vs {
			if v.Version >= 7 {
				if v.Damaged == "" {
					t.Errorf("%s: version %d listed as good: %+v", damage.name, v.Version, v)
				}
				if _, err := open().Read("k", v); !errors.Is(err, history.ErrDamaged) {
					t.Errorf("%s: version %d read: %v, want ErrDamaged", damage.name, v.Version, err)
				}
				continue
			}
			if v.SchemaVersion != 1 && v.SchemaVersion != 0 {
				t.Errorf("%s: schema version %d, the envelope says 1", damage.name, v.SchemaVersion)
			}
			v.SchemaVersion = 0 // from the envelope when rebuilt; Record was not told
			if v != want[v.Version-1] {
				t.Errorf("%s: rebuilt %+v, recorded %+v", damage.name, v, want[v.Version-1])
			}
		}
	}
	// The next version goes past every number a name holds, never
	// reusing one nor writing over a file.
	if v := commit(t, open(), dir, "k", 9, t0.Add(time.Minute)); v.Version != 9 {
		t.Errorf("next version %d, want 9", v.Version)
	}
}

func TestFindByNumberAndTime(t *testing.T) {
	dir := t.TempDir()
	h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
	for i := 1; i <= 3; i++ {
		commit(t, h, dir, "k", i, t0.Add(time.Duration(i)*time.Minute))
	}
	for _, c := range []struct {
		sel  history.Selector
		want uint64 // 0: not found
	}{
		{history.Selector{Version: 2}, 2},
		{history.Selector{Version: 9}, 0},
		{history.Selector{At: t0.Add(150 * time.Second)}, 2},
		{history.Selector{At: t0.Add(3 * time.Minute)}, 3},
		{history.Selector{At: t0.Add(time.Hour)}, 3},
		{history.Selector{At: t0}, 0}, // before the first version
	} {
		v, err := h.Find("k", c.sel)
		if c.want == 0 {
			if !errors.Is(err, history.ErrNotFound) {
				t.Errorf("%+v: %v, want ErrNotFound", c.sel, err)
			}
			continue
		}
		if err != nil || v.Version != c.want {
			t.Errorf("%+v: version %d (%v), want %d", c.sel, v.Version, err, c.want)
		}
	}
	if _, err := h.Find("../etc", history.Selector{Version: 1}); err == nil {
		t.Error("a key with a path in it was accepted")
	}
}

func TestReadRefusesADamagedVersion(t *testing.T) {
	dir := t.TempDir()
	h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
	v := commit(t, h, dir, "k", 1, t0)
	commit(t, h, dir, "k", 2, t0) // model.json no longer shares v1's inode
	path := filepath.Join(dir, history.Dir, "k@1.json")
	b, _ := os.ReadFile(path)
	b[len(b)-3] ^= 1 // same size, other bytes
	os.WriteFile(path, b, 0o644)
	if _, err := h.Read("k", v); !errors.Is(err, history.ErrDamaged) {
		t.Fatalf("damaged version read: %v", err)
	}
}

func TestBoundsValidate(t *testing.T) {
	for _, b := range []history.Bounds{
		{Keep: 0, MaxAge: time.Hour, MaxBytes: 1},
		{Keep: -1, MaxAge: time.Hour, MaxBytes: 1},
		{Keep: 1, MaxAge: 0, MaxBytes: 1},
		{Keep: 1, MaxAge: -time.Hour, MaxBytes: 1},
		{Keep: 1, MaxAge: time.Hour, MaxBytes: 0},
	} {
		if b.Validate() == nil {
			t.Errorf("%+v accepted", b)
		}
	}
	if err := history.DefaultBounds.Validate(); err != nil {
		t.Error(err)
	}
}

func TestKeysThatShareAPrefixStayApart(t *testing.T) {
	dir := t.TempDir()
	h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
	commit(t, h, dir, "k", 1, t0)
	commit(t, h, dir, "k.1", 1, t0)
	commit(t, h, dir, "k.1", 2, t0)
	h.Close()
	h = history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
	a, _ := h.List("k")
	b, _ := h.List("k.1")
	if len(a) != 1 || len(b) != 2 {
		t.Fatalf("k has %d versions (want 1), k.1 has %d (want 2)", len(a), len(b))
	}
}

// Put takes versions fetched from a bucket: only module files of the key,
// within the read limit; a version already held is kept as it is.
func TestPutRefusesWhatIsNoVersion(t *testing.T) {
	dir := t.TempDir()
	h := history.New(vfs.OS{}, dir, history.Config{}, func() time.Time { return t0 }, 4096)
	good, _ := modfile.Encode("k", 1, t0, map[string]int{"n": 7})
	other, _ := modfile.Encode("other", 1, t0, map[string]int{"n": 7})
	big, _ := modfile.Encode("k", 1, t0, map[string]string{"s": string(make([]byte, 5000))})
	for name, c := range map[string]struct {
		n    uint64
		data []byte
	}{
		"garbage": {1, []byte("\x00\x01 not json")}, "another module's file": {1, other},
		"over the limit": {1, big}, "version 0": {0, good}, "a file of a newer format": {1, []byte(`{"format":"rosys-go/9","key":"k","schema_version":1,"data":{}}`)},
	} {
		if err := h.Put("k", c.n, c.data); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if vs, _ := h.List("k"); len(vs) != 0 {
		t.Fatalf("refused versions listed: %+v", vs)
	}
	if err := h.Put("k", 4, good); err != nil {
		t.Fatal(err)
	}
	vs, _ := h.List("k")
	if len(vs) != 1 || vs[0].Version != 4 || !vs[0].SavedAt.Equal(t0) {
		t.Fatalf("after Put: %+v", vs)
	}
	// The next commit numbers on from it.
	if v := commit(t, h, dir, "k", 8, t0.Add(time.Second)); v.Version != 5 {
		t.Fatalf("next version %d, want 5", v.Version)
	}
}

// A pruned version kept as the key's spare leaves the history like a
// deleted one; when the history's directory fsync fails, its name may
// still be in the history on the disk, so the recycled file is removed
// and nothing writes over it.
func TestPrunedVersionRecycledOnlyAfterADurableRecord(t *testing.T) {
	dir := t.TempDir()
	ffs := faultfs.New(vfs.OS{})
	h := history.New(ffs, dir, history.Config{Default: history.Bounds{Keep: 2, MaxAge: time.Hour, MaxBytes: 1 << 20}},
		func() time.Time { return t0 }, 1<<20)
	recycle := atomicfile.RecyclePath(filepath.Join(dir, history.Dir), "k.json")
	rec := func(n int) error {
		b, _ := modfile.Encode("k", 1, t0, map[string]int{"n": n})
		w := atomicfile.Writer{FS: vfs.OS{}, Dir: dir, KeepPrev: true}
		if err := w.Write("k.json", b); err != nil {
			t.Fatal(err)
		}
		if err := w.Sync(); err != nil {
			t.Fatal(err)
		}
		_, errs := h.RecordBatch(t0, []history.Commit{{Key: "k", Path: filepath.Join(dir, "k.json"), Size: int64(len(b)), Sum: sha256.Sum256(b)}})
		return errs[0]
	}
	for n := 1; n <= 3; n++ {
		if err := rec(n); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(recycle)
	if err != nil {
		t.Fatalf("version 1, pruned, not handed back: %v", err)
	}
	var got struct{ N int }
	if st, err := modfile.Decode("k", b); err != nil || json.Unmarshal(st.Data, &got) != nil || got.N != 1 {
		t.Fatalf("recycled file holds %s (%v), want version 1", b, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, history.Dir, "k@1.json")); !os.IsNotExist(err) {
		t.Fatalf("version 1 still in the history: %v", err)
	}
	ffs.Fail(faultfs.DirSync, history.Dir, errors.New("EIO"))
	if err := rec(4); err == nil {
		t.Fatal("a failed directory fsync was not reported")
	}
	if _, err := os.Lstat(recycle); !os.IsNotExist(err) {
		t.Fatalf("recycled file left after a failed record: %v", err)
	}
}
