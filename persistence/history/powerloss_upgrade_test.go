package history_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/persistence/vfs/crashfs"
)

// writeDurable writes a file on crashfs and fsyncs it and its directory.
func writeDurable(t *testing.T, fsys *crashfs.FS, path string, data []byte) {
	t.Helper()
	f, err := fsys.CreateTemp(filepath.Dir(path), "w-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := fsys.Rename(f.Name(), path); err != nil {
		t.Fatal(err)
	}
	if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
}

// The upgrade of a data directory of an earlier version (versions hard
// links of the module file and its .prev) cut by a power loss after
// every file-system operation, under every crashfs policy: each version
// is always listed good with its bytes, and once the upgrade ran to the
// end no version shares its file with the module file any more.
func TestPowerLossDuringTheUpgradeOfLinkedVersions(t *testing.T) {
	crashTest(t)
	const dir = "/robot/data"
	build := func() (*crashfs.FS, [][]byte) {
		fsys := crashfs.New()
		fsys.Now = func() time.Time { return t0 }
		if err := fsys.MkdirAll(filepath.Join(dir, history.Dir), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{"/", "/robot", dir} {
			if err := fsys.SyncDir(d); err != nil {
				t.Fatal(err)
			}
		}
		var files [][]byte
		var idx []history.Version
		live := filepath.Join(dir, "model.json")
		for i := 1; i <= 3; i++ {
			b, _ := modfile.Encode("model", 1, t0.Add(time.Duration(i)*time.Second), map[string]int{"n": i})
			if i > 1 {
				_ = fsys.Remove(live + ".prev")
				if err := fsys.Link(live, live+".prev"); err != nil {
					t.Fatal(err)
				}
			}
			writeDurable(t, fsys, live, b)
			if err := fsys.Link(live, filepath.Join(dir, history.Dir, fmt.Sprintf("model@%d.json", i))); err != nil {
				t.Fatal(err)
			}
			files = append(files, b)
			sum := sha256.Sum256(b)
			idx = append(idx, history.Version{Version: uint64(i), SavedAt: t0.Add(time.Duration(i) * time.Second), Size: int64(len(b)), SHA256: fmt.Sprintf("%x", sum), SchemaVersion: 1})
		}
		ib := []byte(fmt.Sprintf(`{"key":"model","versions":%s}`, mustJSON(t, idx)))
		writeDurable(t, fsys, filepath.Join(dir, history.Dir, "model@index.json"), ib)
		if err := fsys.SyncDir(dir); err != nil {
			t.Fatal(err)
		}
		return fsys, files
	}
	check := func(fsys vfs.FS, files [][]byte, when string) {
		t.Helper()
		h := history.New(fsys, dir, history.Config{}, func() time.Time { return t0 }, 1<<20)
		vs, err := h.List("model")
		if err != nil || len(vs) != 3 {
			t.Fatalf("%s: versions %+v, %v", when, vs, err)
		}
		for i, v := range vs {
			b, err := h.Read("model", v)
			if err != nil || !bytes.Equal(b, files[i]) {
				t.Fatalf("%s: version %d: %q, %v", when, v.Version, b, err)
			}
		}
	}
	// Count the operations of an upgrade run to the end.
	fsys, files := build()
	start := fsys.Ops()
	check(fsys, files, "upgrade")
	ops := fsys.Ops() - start
	if ops == 0 {
		t.Fatal("the upgrade did nothing")
	}
	for i := 1; i <= 3; i++ {
		a, _ := fsys.Lstat(filepath.Join(dir, history.Dir, fmt.Sprintf("model@%d.json", i)))
		if ino, ok := vfs.InodeOf(a); !ok || ino.Links != 1 {
			t.Fatalf("version %d has %d names after the upgrade", i, ino.Links)
		}
	}
	images := 0
	for cut := 1; cut <= ops; cut++ {
		for _, p := range crashfs.Policies {
			fsys, files := build()
			base := fsys.Ops()
			var img *crashfs.FS
			fsys.OnOp = func(n int, op, path string) {
				if n == base+cut && img == nil {
					img = fsys.Crash(p, uint64(cut))
				}
			}
			check(fsys, files, "the upgrade itself")
			if img == nil {
				t.Fatalf("operation %d never reached", cut)
			}
			check(img, files, fmt.Sprintf("after a power cut at operation %d of %d (%s)", cut, ops, p))
			images++
		}
	}
	t.Logf("%d crash points, %d disk images", ops, images)
}

// crashTest skips a crash or power-loss test under -short (make
// test-short); make test and make test-crash run it.
func crashTest(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: a crash or power-loss test (make test runs it)")
	}
}
