package persistence_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
)

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Sys().(*syscall.Stat_t).Ino
}

// A pruned version is not deleted but handed back to the commit, which
// writes the module's next file over it (no blocks freed, none
// allocated), and every kept version, the committed file and its .prev
// still hold what they should. With keep 1 the pruned version is the
// .prev itself: it is never written over.
func TestPrunedVersionsAreWrittenOverAndNothingKeptChanges(t *testing.T) {
	for _, keep := range []int{1, 3} {
		t.Run("keep="+string(rune('0'+keep)), func(t *testing.T) {
			dir := t.TempDir()
			bounds := history.Bounds{Keep: keep, MaxAge: time.Hour, MaxBytes: 1 << 20}
			s, v := openWithHistory(t, dir, persistence.WithHistory(history.Config{Default: bounds}))
			ctx := context.Background()
			recycle := s.Path("odometry") + ".tmp-recycled"
			reused := 0
			for i := 1; i <= 8; i++ {
				var before uint64
				if _, err := os.Lstat(recycle); err == nil {
					before = inode(t, recycle)
				}
				v.Set(gen{i})
				if err := s.BackupRequested(ctx); err != nil {
					t.Fatal(err)
				}
				if before != 0 && inode(t, s.Path("odometry")) == before {
					reused++
				}
				if err := s.HistorySettled(ctx); err != nil {
					t.Fatal(err)
				}
				if got := storedGen(t, s.Path("odometry")); got != i {
					t.Fatalf("commit %d: file holds %d", i, got)
				}
				if i > 1 {
					if got := storedGen(t, s.Path("odometry")+".prev"); got != i-1 {
						t.Fatalf("commit %d: .prev holds %d", i, got)
					}
				}
				vs, err := s.History("odometry")
				if err != nil || len(vs) != min(i, keep) {
					t.Fatalf("commit %d: %d versions (%v), want %d", i, len(vs), err, min(i, keep))
				}
				for j, ver := range vs {
					_, data, err := s.VersionData("odometry", ver.Version)
					if err != nil {
						t.Fatalf("commit %d, version %d: %v", i, ver.Version, err)
					}
					var g gen
					if err := json.Unmarshal(data, &g); err != nil || g.Gen != i-len(vs)+1+j {
						t.Fatalf("commit %d: version %d holds %s", i, ver.Version, data)
					}
				}
			}
			if keep == 1 && reused != 0 {
				t.Fatalf("keep 1: %d commits wrote over the .prev's file", reused)
			}
			if keep == 3 && reused < 8-keep-1 {
				t.Fatalf("keep 3: only %d of the commits wrote over a pruned version", reused)
			}
			// A recycled file left at a restart is swept like any temporary.
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2, _ := openWithHistory(t, dir, persistence.WithHistory(history.Config{Default: bounds}))
			if _, err := os.Lstat(recycle); !os.IsNotExist(err) {
				t.Fatalf("recycled file still there after reopening: %v", err)
			}
			if vs, err := s2.History("odometry"); err != nil || len(vs) != keep {
				t.Fatalf("after reopening: %d versions (%v)", len(vs), err)
			}
			entries, _ := os.ReadDir(filepath.Join(dir, history.Dir))
			if len(entries) != keep+1 { // + the index written at Close
				t.Fatalf("%d files in the history for %d versions", len(entries), keep)
			}
		})
	}
}
