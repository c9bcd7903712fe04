package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/store"
)

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Sys().(*syscall.Stat_t).Ino
}

// A pruned version is not deleted but kept as the module's spare in the
// history, and the next version is written over it (no blocks freed,
// none allocated), and every kept version, the committed file and its
// .prev still hold what they should. Versions are files of their own:
// never the committed file's, nor its .prev's, inode.
func TestPrunedVersionsAreWrittenOverAndNothingKeptChanges(t *testing.T) {
	for _, keep := range []int{1, 3} {
		t.Run("keep="+string(rune('0'+keep)), func(t *testing.T) {
			dir := t.TempDir()
			bounds := history.Bounds{Keep: keep, MaxAge: time.Hour, MaxBytes: 1 << 20}
			s, v := openWithHistory(t, dir, store.WithHistory(history.Config{Default: bounds}))
			ctx := context.Background()
			spare := filepath.Join(dir, history.Dir, "odometry.json.tmp-recycled")
			reused := 0
			for i := 1; i <= 8; i++ {
				var before uint64
				if _, err := os.Lstat(spare); err == nil {
					before = inode(t, spare)
				}
				v.Set(gen{i})
				if err := s.BackupRequested(ctx); err != nil {
					t.Fatal(err)
				}
				if err := s.HistorySettled(ctx); err != nil {
					t.Fatal(err)
				}
				vs, err := s.History("odometry")
				if err != nil || len(vs) != min(i, keep) {
					t.Fatalf("commit %d: %d versions (%v), want %d", i, len(vs), err, min(i, keep))
				}
				newest := filepath.Join(dir, history.Dir, fmt.Sprintf("odometry@%d.json", vs[len(vs)-1].Version))
				if before != 0 && inode(t, newest) == before {
					reused++
				}
				if inode(t, newest) == inode(t, s.Path("odometry")) {
					t.Fatalf("commit %d: the newest version shares the module file's inode", i)
				}
				if got := storedGen(t, s.Path("odometry")); got != i {
					t.Fatalf("commit %d: file holds %d", i, got)
				}
				if i > 1 {
					if got := storedGen(t, s.Path("odometry")+".prev"); got != i-1 {
						t.Fatalf("commit %d: .prev holds %d", i, got)
					}
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
			if reused < 8-keep-1 {
				t.Fatalf("keep %d: only %d of the commits wrote a version over a pruned one", keep, reused)
			}
			// The spare is kept at a restart (to be written over again),
			// and is no version.
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2, _ := openWithHistory(t, dir, store.WithHistory(history.Config{Default: bounds}))
			if vs, err := s2.History("odometry"); err != nil || len(vs) != keep {
				t.Fatalf("after reopening: %d versions (%v)", len(vs), err)
			}
			if _, err := os.Lstat(spare); err != nil {
				t.Fatalf("spare not kept at reopening: %v", err)
			}
			entries, _ := os.ReadDir(filepath.Join(dir, history.Dir))
			if len(entries) != keep+2 { // + the index written at Close, + the spare
				t.Fatalf("%d files in the history for %d versions", len(entries), keep)
			}
		})
	}
}
