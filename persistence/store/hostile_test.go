package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/persistence/vfs/faultfs"
)

// within fails the test if fn has not returned after d: a bound that turns
// a hang (a FIFO opened for reading) into a failure, never a wait for
// success.
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s still blocked after %v", what, d)
	}
}

// hostileKinds are things put where a file is expected.
var hostileKinds = []struct {
	name  string
	setup func(*testing.T, string)
}{
	{"fifo", mkfifo},
	{"symlink to /dev/zero", symlinkTo("/dev/zero")},
	{"symlink loop", symlinkLoop},
	{"socket", mksocket},
	{"zero device node", mkZeroDevice},
	{"sparse 4 GiB", sparse(4 << 30)},
}

// The previous generation is read only when the current file is missing
// or bad; a hostile .prev is kept aside like a hostile current file.
func TestHostilePreviousGeneration(t *testing.T) {
	for _, k := range hostileKinds {
		t.Run(k.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "m.json")
			k.setup(t, path+".prev")
			s := persistencetest.Open(t, dir)
			v := persistence.NewValue(defaultSettings)
			within(t, 10*time.Second, "restore", func() { mustRegisterRestore(t, s, "m", v) })
			st, _ := s.ModuleStatus("m")
			if v.Get() != defaultSettings || st.RestoredFrom != persistence.FromDefaults || len(st.MovedAside) != 1 ||
				!strings.HasPrefix(st.MovedAside[0], path+".prev.corrupt-") {
				t.Fatalf("status %+v", st)
			}
			v.Set(settings{Speed: 3})
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := readFileData(t, dir, "m"); got != `{"Speed":3,"Name":""}` {
				t.Fatalf("file after flush: %s", got)
			}
		})
	}
}

// A hostile .lock is moved aside and the lock taken on a fresh file;
// opening never blocks.
func TestHostileLockFile(t *testing.T) {
	for _, k := range hostileKinds[:5] { // a large regular .lock is a lock
		t.Run(k.name, func(t *testing.T) {
			dir := t.TempDir()
			k.setup(t, filepath.Join(dir, ".lock"))
			var s *store.Store
			within(t, 10*time.Second, "open", func() { s = persistencetest.Open(t, dir) })
			fi, err := os.Lstat(filepath.Join(dir, ".lock"))
			if err != nil || !fi.Mode().IsRegular() {
				t.Fatalf(".lock after open: %v %v", fi, err)
			}
			if aside, _ := filepath.Glob(filepath.Join(dir, ".lock.corrupt-*")); len(aside) != 1 {
				t.Fatalf("kept aside: %v", aside)
			}
			// The lock works: a second store is refused.
			if _, err := store.Open(dir); !errors.Is(err, store.ErrLocked) {
				t.Fatalf("second open: %v", err)
			}
			_ = s
		})
	}
}

// A hostile thing that cannot be moved aside blocks the module's writes,
// as an unmovable damaged file does, and start-up still completes.
func TestUnmovableHostileFileBlocksWrites(t *testing.T) {
	for _, k := range hostileKinds {
		t.Run(k.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "m.json")
			k.setup(t, path)
			before, _ := os.Lstat(path)
			ffs := faultfs.New(vfs.OS{})
			ffs.Fail(faultfs.Rename, ".corrupt-", syscall.EPERM)
			s := persistencetest.Open(t, dir, store.WithFS(ffs))
			v := persistence.NewValue(defaultSettings)
			within(t, 10*time.Second, "restore", func() { mustRegisterRestore(t, s, "m", v) })
			st, _ := s.ModuleStatus("m")
			if !strings.Contains(st.RestoreError, "nor moved aside") || v.Get() != defaultSettings {
				t.Fatalf("status %+v", st)
			}
			v.Set(settings{Speed: 7})
			if err := s.Flush(context.Background()); err == nil || !strings.Contains(err.Error(), "not writing over it") {
				t.Fatalf("Flush = %v, want a refusal", err)
			}
			after, err := os.Lstat(path)
			if err != nil || after.Mode() != before.Mode() || after.Size() != before.Size() {
				t.Fatalf("the hostile file was replaced: %v %v", after, err)
			}
		})
	}
}

// The module-file limit is the store's option: a file over it is moved
// aside unread, one under it restores.
func TestMaxFileBytes(t *testing.T) {
	dir := t.TempDir()
	big := `{"format":"rosys-go/1","key":"big","schema_version":1,"data":{"Speed":2,"Name":"` + strings.Repeat("x", 2000) + `"}}`
	small := `{"format":"rosys-go/1","key":"small","schema_version":1,"data":{"Speed":3,"Name":"s"}}`
	os.WriteFile(filepath.Join(dir, "big.json"), []byte(big), 0o644)
	os.WriteFile(filepath.Join(dir, "small.json"), []byte(small), 0o644)
	s := persistencetest.Open(t, dir, store.WithMaxFileBytes(1024))
	b, sm := persistence.NewValue(defaultSettings), persistence.NewValue(defaultSettings)
	mustRegisterRestore(t, s, "big", b)
	mustRegisterRestore(t, s, "small", sm)
	st, _ := s.ModuleStatus("big")
	if b.Get() != defaultSettings || !strings.Contains(st.RestoreError, "limit is 1024") || len(st.MovedAside) != 1 {
		t.Fatalf("big: %+v", st)
	}
	if got, _ := os.ReadFile(st.MovedAside[0]); string(got) != big {
		t.Fatal("the file kept aside changed")
	}
	if sm.Get().Speed != 3 {
		t.Fatalf("small: %+v", sm.Get())
	}
}

// Hostile journal segments: skipped when not regular, kept aside when
// oversized or in an unknown format; opening and reading never block.
func TestHostileJournalSegments(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*testing.T, string)
	}{
		{"fifo", mkfifo},
		{"symlink to /dev/zero", symlinkTo("/dev/zero")},
		{"symlink loop", symlinkLoop},
		{"socket", mksocket},
		{"zero device node", mkZeroDevice},
		{"sparse 300 MiB", sparse(300 << 20)},
		{"newer format", func(t *testing.T, p string) { os.WriteFile(p, []byte("RJNL2\nrecords of a newer program"), 0o644) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j, err := journal.Open(journal.Config{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			j.Record("lizard", journal.RecordInput, []byte("kept"))
			j.Close()
			hostile := filepath.Join(dir, "999999999999.seg")
			tc.setup(t, hostile)
			within(t, 10*time.Second, "open and read the journal", func() {
				j2, err := journal.Open(journal.Config{Dir: dir})
				if err != nil {
					t.Errorf("open: %v", err)
					return
				}
				j2.Record("lizard", journal.RecordInput, []byte("after"))
				j2.Close()
				recs := readJournal(t, dir)
				if len(recs) != 2 || string(recs[0].Data) != "kept" || string(recs[1].Data) != "after" {
					t.Errorf("records %v", recs)
				}
			})
		})
	}
}

// The filesystem backend reads only regular objects, within MaxObjectBytes.
func TestFilesystemBackendRefusesHostileObjects(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	fsb, err := backend.NewFilesystem(vfs.OS{}, root)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(root, "manifests"), 0o755)
	for i, k := range hostileKinds {
		name := fmt.Sprintf("manifests/%012d.json", i+1)
		k.setup(t, filepath.Join(root, filepath.FromSlash(name)))
		within(t, 10*time.Second, "Get", func() {
			_, _, err := fsb.Get(ctx, name)
			if !errors.Is(err, store.ErrNotRegular) && !errors.Is(err, store.ErrTooLarge) {
				t.Errorf("%s: Get = %v", k.name, err)
			}
		})
	}
	within(t, 10*time.Second, "List", func() {
		if _, err := fsb.List(ctx, "manifests/"); err != nil && !errors.Is(err, store.ErrTooLarge) {
			t.Errorf("List = %v", err)
		}
	})
}

// Issue 12, class 8: failed imports and imports of the state already held
// leave no rollback archive; the slots keep distinct states.
func TestRollbackSlotsKeepDistinctStates(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := persistencetest.Open(t, dir)
	a, b := &picky{v: 1}, &picky{v: 2, refuses: true}
	mustRegisterRestore(t, s, "a", a)
	mustRegisterRestore(t, s, "b", b)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	read := func(obj string) *archive.Archive {
		t.Helper()
		ar, err := archive.Read(strings.NewReader(obj), archive.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		return ar
	}
	slots := func() []string {
		names, _ := filepath.Glob(filepath.Join(dir, archive.RollbackDir, "rollback-*.tar.gz"))
		return names
	}
	// Twelve failed imports of three kinds: refused by a module, a newer
	// schema, data of the wrong type.
	for i := range 12 {
		var obj string
		switch i % 3 {
		case 0:
			obj = `{"a": 50, "b": 99}`
		case 1:
			obj = `{"a": "fifty"}`
		case 2:
			obj = `{"b": [1]}`
		}
		res, err := s.Import(ctx, read(obj))
		if err == nil || res.Rollback != "" {
			t.Fatalf("failed import %d: %v, rollback %q", i, err, res.Rollback)
		}
	}
	if n := len(slots()); n != 0 {
		t.Fatalf("%d rollback archives after failed imports", n)
	}
	// The same state again: nothing to roll back.
	if res, err := s.Import(ctx, read(`{"a": 1, "b": 2}`)); err != nil || res.Rollback != "" {
		t.Fatalf("unchanged import: %+v %v", res, err)
	}
	if len(slots()) != 0 {
		t.Fatal("an import that changed nothing left a rollback archive")
	}
	// Back and forth between two states: two slots, one per state.
	for i := range 6 {
		res, err := s.Import(ctx, read(fmt.Sprintf(`{"a": %d}`, 10+i%2)))
		if err != nil || res.Rollback == "" {
			t.Fatalf("import %d: %+v %v", i, res, err)
		}
	}
	got := slots()
	if len(got) != 3 { // a=1 (the start), a=10, a=11
		t.Fatalf("rollback slots %v, want 3 distinct states", got)
	}
	seen := map[int]bool{}
	for _, name := range got {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		ar, err := archive.Read(f, archive.DefaultLimits)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var env struct{ Data int }
		json.Unmarshal(ar.Files["a"], &env)
		if seen[env.Data] {
			t.Fatalf("two rollback archives hold a=%d", env.Data)
		}
		seen[env.Data] = true
	}
	if !seen[1] || !seen[10] || !seen[11] {
		t.Fatalf("states kept: %v", seen)
	}
}

// A segment of a newer journal format in the middle of the journal is an
// error naming it, not a guess.
func TestReadJournalNamesNewerSegment(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(journal.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	j.Record("lizard", journal.RecordInput, []byte("x"))
	j.Close()
	os.WriteFile(filepath.Join(dir, "0000000000000000.seg"), []byte("RJNL2\nnewer records"), 0o644)
	err = journal.Read(context.Background(), vfs.OS{}, dir, func(journal.Record) error { return nil })
	if !errors.Is(err, store.ErrUnknownFormat) || !strings.Contains(err.Error(), "0000000000000000.seg") {
		t.Fatalf("journal.Read = %v", err)
	}
}
