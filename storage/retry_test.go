package storage_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/persistence/vfs/faultfs"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/storage"
)

// With "commit at once" (snapshot_interval: 0) nothing but a new request
// wakes the backup loop; a commit that failed must still be retried, or
// the change stays pending forever and a power cut takes it (issue 12).
func TestFailedCommitIsRetriedWithCommitAtOnce(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EIO, syscall.EROFS} {
		for _, op := range []faultfs.Op{faultfs.Create, faultfs.Write, faultfs.Fsync, faultfs.Rename, faultfs.DirSync} {
			t.Run(fmt.Sprintf("%s on %s", errno, op), func(t *testing.T) {
				clock := rosystest.NewVirtualClock()
				ffs := faultfs.New(vfs.OS{})
				dir := t.TempDir()
				store, err := store.Open(dir, store.WithFS(ffs), store.WithClock(clock.Now))
				must(t, err)
				t.Cleanup(func() { store.Close() })
				r := rosystest.New(t, rosys.Config{Clock: clock, Storage: storage.New(store, nil), BackupInterval: -1})
				model := persistence.NewValue(map[string]float64{"value": 1})
				must(t, r.Add("model", model))
				r.Start()
				match := "model"
				if op == faultfs.DirSync {
					match = ""
				}
				ffs.Fail(op, match, errno)
				model.Set(map[string]float64{"value": 2})
				r.ForwardUntil(func() bool { return storage.StatusOf(r.Runtime).Backup.Failures >= 3 }, time.Minute)
				st := storage.StatusOf(r.Runtime)
				if !st.Persistence[0].Pending || !strings.Contains(st.Backup.LastError, errno.Error()) {
					t.Fatalf("while failing: %+v %+v", st.Backup, st.Persistence[0])
				}
				failures := st.Backup.Failures
				// Space is freed, the disk comes back: no new request is made.
				ffs.Clear()
				r.ForwardUntil(func() bool { return !storage.StatusOf(r.Runtime).Persistence[0].Pending }, 11*time.Second)
				if got := fileData(t, dir, "model"); got != `{"value":2.0}` {
					t.Fatalf("after the fault cleared the file holds %s", got)
				}
				if st := storage.StatusOf(r.Runtime); st.Backup.LastError != "" || st.Backup.Failures != failures {
					t.Fatalf("after recovery: %+v", st.Backup)
				}
				must(t, r.Stop())
			})
		}
	}
}

// The backoff doubles from 100 ms to 10 s: a disk that stays full is not
// hammered, and one freed after a long while is written within 10 s.
func TestRetryBackoffIsBounded(t *testing.T) {
	clock := rosystest.NewVirtualClock()
	ffs := faultfs.New(vfs.OS{})
	dir := t.TempDir()
	store, err := store.Open(dir, store.WithFS(ffs), store.WithClock(clock.Now))
	must(t, err)
	t.Cleanup(func() { store.Close() })
	r := rosystest.New(t, rosys.Config{Clock: clock, Storage: storage.New(store, nil), BackupInterval: -1})
	model := persistence.NewValue(map[string]float64{"value": 1})
	must(t, r.Add("model", model))
	r.Start()
	ffs.Fail(faultfs.Write, "model", syscall.ENOSPC)
	model.Set(map[string]float64{"value": 2})
	r.Forward(2 * time.Minute)
	// 0, then 0.1, 0.3, 0.7, 1.5, 3.1, 6.3, 12.7 s, then every 10 s up to
	// 120 s: 8 + 10 attempts.
	if got := storage.StatusOf(r.Runtime).Backup.Failures; got != 18 {
		t.Fatalf("%d attempts in 2 min, want 18", got)
	}
	ffs.Clear()
	r.Forward(10 * time.Second)
	if got := fileData(t, dir, "model"); got != `{"value":2.0}` {
		t.Fatalf("not written within 10 s of the disk coming back: %s", got)
	}
	must(t, r.Stop())
}

// The same on a real, small tmpfs filled to the last byte and then freed.
func TestFailedCommitIsRetriedOnRealFullDisk(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (needs root in a namespace that allows it): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	clock := rosystest.NewVirtualClock()
	store, err := store.Open(dir, store.WithClock(clock.Now))
	must(t, err)
	t.Cleanup(func() { store.Close() })
	r := rosystest.New(t, rosys.Config{Clock: clock, Storage: storage.New(store, nil), BackupInterval: -1})
	model := persistence.NewValue(map[string]float64{"value": 1})
	must(t, r.Add("model", model))
	r.Start()
	model.Set(map[string]float64{"value": 2})
	r.ForwardUntil(func() bool { return !storage.StatusOf(r.Runtime).Persistence[0].Pending }, time.Second)

	filler := filepath.Join(dir, "filler")
	fill(t, filler)
	big := map[string]float64{"value": 3}
	for i := range 2000 { // a file of some KiB: no room for it
		big[fmt.Sprint("k", i)] = float64(i)
	}
	model.Set(big)
	r.ForwardUntil(func() bool { return storage.StatusOf(r.Runtime).Backup.Failures >= 2 }, time.Minute)
	if st := storage.StatusOf(r.Runtime); !strings.Contains(st.Backup.LastError, "no space left on device") || !st.Persistence[0].Pending {
		t.Fatalf("on a full disk: %+v %+v", st.Backup, st.Persistence[0])
	}
	if got := fileData(t, dir, "model"); got != `{"value":2.0}` {
		t.Fatalf("the last good file changed on a full disk: %s", got)
	}
	must(t, os.Remove(filler))
	r.ForwardUntil(func() bool { return !storage.StatusOf(r.Runtime).Persistence[0].Pending }, 11*time.Second)
	if got := fileData(t, dir, "model"); !strings.Contains(got, `"k1999":1999`) {
		t.Fatalf("after space was freed the file holds %.60s…", got)
	}
	must(t, r.Stop())
}

// fill writes path until the file system has no space left.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	must(t, err)
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}
