package storage_test

import (
	"encoding/json"
	"os"
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

// A disk that fills up mid-run: backups fail and say so in the status (which
// the API serves as is), the control loop keeps ticking, the last good file
// stays, and the first cycle after space is freed writes the change.
func TestRobotKeepsRunningWhenTheDiskFails(t *testing.T) {
	clock := rosystest.NewVirtualClock()
	ffs := faultfs.New(vfs.OS{})
	dir := t.TempDir()
	store, err := store.Open(dir, store.WithFS(ffs), store.WithClock(clock.Now))
	must(t, err)
	t.Cleanup(func() { store.Close() })
	r := rosystest.New(t, rosys.Config{Clock: clock, Storage: storage.New(store, nil), BackupInterval: time.Second})
	model := persistence.NewValue(map[string]float64{"value": 1})
	must(t, r.Add("model", model))
	r.Start()
	model.Set(map[string]float64{"value": 2})
	r.Forward(time.Second)
	if got := fileData(t, dir, "model"); got != `{"value":2.0}` {
		t.Fatalf("first cycle wrote %s", got)
	}

	ffs.Fail(faultfs.Write, "model", syscall.ENOSPC)
	model.Set(map[string]float64{"value": 3})
	ticks := r.Status().Control.Ticks
	r.Forward(3 * time.Second)
	st := storage.StatusOf(r.Runtime)
	// Cycles at 2 s, then retries after 100, 200, 400 and 800 ms (2.1,
	// 2.3, 2.7, 3.5 s); the next, 1.6 s later, is past the window.
	if st.Backup.Failures != 5 || !strings.Contains(st.Backup.LastError, "no space left on device") {
		t.Fatalf("backup status %+v: want 5 failures naming ENOSPC", st.Backup)
	}
	if !strings.Contains(st.Persistence[0].LastError, "no space left on device") || !st.Persistence[0].Pending {
		t.Fatalf("module status %+v", st.Persistence[0])
	}
	if got := r.Status().Control.Ticks - ticks; got != 300 {
		t.Fatalf("control loop ticked %d times in 3 s at 100 Hz, want 300", got)
	}
	if got := fileData(t, dir, "model"); got != `{"value":2.0}` {
		t.Fatalf("the last good file changed: %s", got)
	}

	ffs.Clear()
	r.Forward(time.Second)
	st = storage.StatusOf(r.Runtime)
	if st.Backup.LastError != "" || st.Persistence[0].Pending {
		t.Fatalf("after space was freed: %+v %+v", st.Backup, st.Persistence[0])
	}
	if got := fileData(t, dir, "model"); got != `{"value":3.0}` {
		t.Fatalf("after space was freed the file holds %s", got)
	}
	must(t, r.Stop())
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fileData is the data object of the module file of key in dir, without
// white space.
func fileData(t *testing.T, dir, key string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, key+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(env.Data)), "")
}
