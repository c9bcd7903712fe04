package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
)

// Without history, the generation a new .prev replaces is not freed but
// kept under a temporary name, and the module's next commit writes its
// file over it: from the fourth commit on every commit reuses one, while
// the file and its .prev hold what they should, and a reopened store
// sweeps the spare away.
func TestReplacedPrevIsWrittenOver(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	v := persistence.NewValue(gen{})
	if err := s.Register("odometry", v); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	path := s.Path("odometry")
	spares := func() map[uint64]string {
		m := map[uint64]string{}
		names, _ := filepath.Glob(path + ".tmp-recycled*")
		for _, n := range names {
			m[inode(t, n)] = n
		}
		return m
	}
	reused := 0
	for i := 1; i <= 8; i++ {
		before := spares()
		v.Set(gen{i})
		if err := s.BackupRequested(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok := before[inode(t, path)]; ok {
			reused++
		}
		if got := storedGen(t, path); got != i {
			t.Fatalf("commit %d: file holds %d", i, got)
		}
		if i > 1 {
			if got := storedGen(t, path+".prev"); got != i-1 {
				t.Fatalf("commit %d: .prev holds %d", i, got)
			}
		}
		if i > 1 && inode(t, path) == inode(t, path+".prev") {
			t.Fatalf("commit %d: file and .prev are one file", i)
		}
		if n := len(spares()); i > 2 && n != 1 {
			t.Fatalf("commit %d: %d spare files, want 1", i, n)
		}
	}
	if reused != 5 {
		t.Fatalf("%d of 8 commits wrote over a kept generation, want 5 (every one from the fourth)", reused)
	}
	// A temporary file a crash left is swept at open; the spare is kept
	// (freeing it at every start would cost as much as the writes it
	// saves) and the first commit after the restart writes over it.
	os.WriteFile(path+".tmp-123", []byte("torn"), 0o644)
	s.Close()
	spare := spares()
	s2, v2 := reopenOdometry(t, dir)
	if err := s2.Restore(ctx); err != nil || v2.Get().Gen != 8 {
		t.Fatalf("restored %+v, %v", v2.Get(), err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") && !strings.Contains(e.Name(), ".tmp-recycled") {
			t.Fatalf("%s left after reopening", e.Name())
		}
	}
	v2.Set(gen{9})
	if err := s2.BackupRequested(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := spare[inode(t, path)]; !ok || storedGen(t, path) != 9 || storedGen(t, path+".prev") != 8 {
		t.Fatalf("after the restart: spare not written over, or file %d / .prev %d", storedGen(t, path), storedGen(t, path+".prev"))
	}
}

// reopenOdometry opens dir again (as a restart does) with the "odometry"
// module registered, not yet restored; the store is closed at the end of
// the test.
func reopenOdometry(t *testing.T, dir string, opts ...store.Option) (*store.Store, *persistence.Value[gen]) {
	t.Helper()
	s, err := store.Open(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	v := persistence.NewValue(gen{})
	if err := s.Register("odometry", v); err != nil {
		t.Fatal(err)
	}
	return s, v
}
