package storage_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/storage"
)

func archives(t *testing.T, dir string) []string {
	t.Helper()
	list, err := archive.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range list {
		names = append(names, filepath.Base(a.Path))
	}
	return names
}

// scheduled starts a robot on a virtual clock at start with a daily backup
// at 03:00 UTC into backups.
func scheduled(t *testing.T, start time.Time, backups string, keep int) (*rosystest.Robot, *persistence.Value[int]) {
	clock := rosystest.NewVirtualClock()
	clock.Set(start)
	dir := t.TempDir()
	store := persistencetest.Open(t, dir, store.WithClock(clock.Now))
	sched, err := archive.NewSchedule(store, archive.ScheduleConfig{
		Directory: backups, Hour: 3, BackupCount: keep, Robot: "demo", Location: time.UTC, RetryAfter: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rosystest.New(t, rosys.Config{Clock: clock, Storage: storage.New(store, sched), ControlPeriod: time.Minute})
	v := persistence.NewValue(0)
	must(t, r.Add("model", v))
	r.Start()
	return r, v
}

func TestDailyBackupsRotate(t *testing.T) {
	backups := t.TempDir()
	r, v := scheduled(t, time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC), backups, 2)
	// No archive yet: the robot is behind (yesterday's 03:00 has none), so
	// it catches up at once; then nothing until 03:00.
	r.Forward(time.Hour) // 02:00
	if got := strings.Join(archives(t, backups), " "); got != "demo-2026-01-04.tar.gz" {
		t.Fatalf("catch-up at start: %s", got)
	}
	v.Set(1)
	r.Forward(90 * time.Minute) // 03:30
	if got := strings.Join(archives(t, backups), " "); got != "demo-2026-01-04.tar.gz demo-2026-01-05.tar.gz" {
		t.Fatalf("after the first 03:00: %s", got)
	}
	for day := 2; day <= 4; day++ {
		v.Set(day)
		r.Forward(24 * time.Hour)
	}
	if got := strings.Join(archives(t, backups), " "); got != "demo-2026-01-07.tar.gz demo-2026-01-08.tar.gz" {
		t.Fatalf("after four days, keeping 2: %s", got)
	}
	// The newest archive holds the state at its time.
	f, _ := os.Open(filepath.Join(backups, "demo-2026-01-08.tar.gz"))
	defer f.Close()
	a, err := archive.Read(f, archive.DefaultLimits)
	if err != nil || !strings.Contains(string(a.Files["model"]), `"data": 4`) {
		t.Fatalf("%v %s", err, a.Files["model"])
	}
	st := storage.StatusOf(r.Runtime).Schedule
	if st.LastFile != filepath.Join(backups, "demo-2026-01-08.tar.gz") || !st.Next.Equal(time.Date(2026, 1, 9, 3, 0, 0, 0, time.UTC)) || st.Failures != 0 {
		t.Fatalf("status %+v", st)
	}
}

func TestMissedBackupTakenOnceAfterStart(t *testing.T) {
	backups := t.TempDir()
	// The robot was off from the 2nd to the 6th, 10:00.
	if err := os.WriteFile(filepath.Join(backups, "demo-2026-01-02.tar.gz"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, _ := scheduled(t, time.Date(2026, 1, 6, 10, 0, 0, 0, time.UTC), backups, 100)
	r.Forward(time.Minute)
	if got := strings.Join(archives(t, backups), " "); got != "demo-2026-01-02.tar.gz demo-2026-01-06.tar.gz" {
		t.Fatalf("after start: %s (one catch-up backup, not one per missed day)", got)
	}
	r.Forward(12 * time.Hour) // until 22:00: nothing more
	if n := len(archives(t, backups)); n != 2 {
		t.Fatalf("%d archives", n)
	}
	// A restart on the same day takes none.
	must(t, r.Stop())
	r.Store().Close()
}

func TestFailingBackupRetriesAndKeepsOldOnes(t *testing.T) {
	parent := t.TempDir()
	backups := filepath.Join(parent, "backups")
	if err := os.WriteFile(backups, []byte("a file where the directory should be"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, _ := scheduled(t, time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC), backups, 1)
	r.Forward(time.Minute) // the catch-up at start fails; retry at 03:00 (an hour later)
	st := storage.StatusOf(r.Runtime).Schedule
	if st.Failures != 1 || !strings.Contains(st.LastError, "backup directory") || !st.Next.Equal(time.Date(2026, 1, 5, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("status %+v", st)
	}
	r.Forward(90 * time.Minute) // 03:31: the 03:00 attempt fails too
	if st := storage.StatusOf(r.Runtime).Schedule; st.Failures != 2 || !st.Next.Equal(time.Date(2026, 1, 5, 4, 0, 0, 0, time.UTC)) {
		t.Fatalf("status %+v", st)
	}
	// The disk is fixed; the next retry succeeds.
	os.Remove(backups)
	os.MkdirAll(backups, 0o755)
	r.Forward(time.Hour)
	st = storage.StatusOf(r.Runtime).Schedule
	if got := archives(t, backups); len(got) != 1 || st.LastError != "" {
		t.Fatalf("%v %+v", got, st)
	}
}
