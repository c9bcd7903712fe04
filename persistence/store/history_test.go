package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/persistence/vfs/faultfs"
)

// steppingClock gives every call a later time, one second apart.
func steppingClock(start time.Time) func() time.Time {
	n := 0
	return func() time.Time { n++; return start.Add(time.Duration(n) * time.Second) }
}

func openWithHistory(t *testing.T, dir string, opts ...store.Option) (*store.Store, *persistence.Value[gen]) {
	t.Helper()
	opts = append([]store.Option{store.WithHistory(history.Config{}),
		store.WithClock(steppingClock(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)))}, opts...)
	s, err := store.Open(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	v := persistence.NewValue(gen{})
	if err := s.Register("odometry", v); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, v
}

func TestEveryCommitIsAVersionAndARestoreIsANewOne(t *testing.T) {
	dir := t.TempDir()
	s, v := openWithHistory(t, dir)
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		v.Set(gen{i})
		if err := s.BackupRequested(ctx); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := s.History("odometry")
	if err != nil || len(vs) != 3 {
		t.Fatalf("history %v (%v), want 3 versions", vs, err)
	}
	from, to, err := s.RestoreVersion(ctx, "odometry", history.Selector{Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	if from.Version != 1 || to.Version != 4 {
		t.Fatalf("restored %d as %d, want 1 as 4", from.Version, to.Version)
	}
	if got := v.Get().Gen; got != 1 {
		t.Fatalf("module holds %d after restoring version 1", got)
	}
	if got := storedGen(t, s.Path("odometry")); got != 1 {
		t.Fatalf("file holds %d after the restore, want it committed", got)
	}
	// Restoring lost nothing: version 3 is still there and comes back.
	if _, _, err := s.RestoreVersion(ctx, "odometry", history.Selector{At: vs[2].SavedAt}); err != nil {
		t.Fatal(err)
	}
	if got := v.Get().Gen; got != 3 {
		t.Fatalf("module holds %d after restoring the time of version 3", got)
	}
	if vs, _ := s.History("odometry"); len(vs) != 5 {
		t.Fatalf("%d versions after two restores, want 5", len(vs))
	}
}

func TestRestoringAnUnknownVersionChangesNothing(t *testing.T) {
	dir := t.TempDir()
	s, v := openWithHistory(t, dir)
	ctx := context.Background()
	v.Set(gen{7})
	s.BackupRequested(ctx)
	before, _ := os.ReadFile(s.Path("odometry"))
	vs, _ := s.History("odometry")
	for _, sel := range []history.Selector{{Version: 99}, {At: vs[0].SavedAt.Add(-time.Second)}} {
		_, _, err := s.RestoreVersion(ctx, "odometry", sel)
		if !errors.Is(err, store.ErrNoVersion) {
			t.Fatalf("%+v: %v, want ErrNoVersion", sel, err)
		}
	}
	after, _ := os.ReadFile(s.Path("odometry"))
	if v.Get().Gen != 7 || string(before) != string(after) {
		t.Fatal("a failed restore changed the module or its file")
	}
	if vs2, _ := s.History("odometry"); len(vs2) != len(vs) {
		t.Fatalf("a failed restore added a version: %d, was %d", len(vs2), len(vs))
	}
	if _, _, err := s.RestoreVersion(ctx, "nope", history.Selector{Version: 1}); !errors.Is(err, store.ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
}

// A full disk under the history never fails, undoes or delays the commit
// of the module itself; it is reported in the module's status and clears
// once the history can be written again. (A failing index write is not a
// failure at all: the index is rebuilt from the files.)
func TestHistoryFaultNeverFailsTheCommit(t *testing.T) {
	for _, op := range []faultfs.Op{faultfs.Link, faultfs.DirSync} {
		for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EIO} {
			t.Run(string(op)+"/"+errno.Error(), func(t *testing.T) {
				dir := t.TempDir()
				ffs := faultfs.New(vfs.OS{})
				s, v := openWithHistory(t, dir, store.WithFS(ffs))
				ctx := context.Background()
				v.Set(gen{1})
				if err := s.BackupRequested(ctx); err != nil {
					t.Fatal(err)
				}
				// Only the history's paths (the test directory's name
				// has "History", capitalised).
				ffs.Fail(op, string(filepath.Separator)+history.Dir, errno)
				if op == faultfs.Link {
					// The copy fallback after a failed link fails too.
					ffs.Fail(faultfs.Create, string(filepath.Separator)+history.Dir, errno)
				}
				v.Set(gen{2})
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if err := s.BackupRequested(ctx); err != nil {
					t.Fatalf("commit failed because of the history: %v", err)
				}
				if err := s.WaitDurable(wctx, "odometry"); err != nil {
					t.Fatal(err)
				}
				if err := s.HistorySettled(wctx); err != nil {
					t.Fatal(err)
				}
				if ffs.Hits() == 0 {
					t.Fatal("the fault was never hit")
				}
				if got := storedGen(t, s.Path("odometry")); got != 2 {
					t.Fatalf("file holds %d, want 2", got)
				}
				st, _ := s.ModuleStatus("odometry")
				if st.LastError != "" || st.HistoryError == "" {
					t.Fatalf("status: last_error %q, history_error %q", st.LastError, st.HistoryError)
				}
				// Whatever is listed can be read back.
				vs, _ := s.History("odometry")
				for _, ver := range vs {
					if _, _, err := s.RestoreVersion(ctx, "odometry", history.Selector{Version: ver.Version}); err != nil && !errors.Is(err, syscall.ENOSPC) && !errors.Is(err, syscall.EIO) {
						t.Fatalf("listed version %d cannot be restored: %v", ver.Version, err)
					}
				}
				ffs.Clear()
				v.Set(gen{3})
				if err := s.BackupRequested(ctx); err != nil {
					t.Fatal(err)
				}
				if err := s.HistorySettled(wctx); err != nil {
					t.Fatal(err)
				}
				st, _ = s.ModuleStatus("odometry")
				if st.HistoryError != "" {
					t.Fatalf("history error not cleared: %s", st.HistoryError)
				}
				vs, _ = s.History("odometry")
				if last := vs[len(vs)-1]; fmt.Sprint(last.Size) == "0" {
					t.Fatalf("newest version %+v", last)
				}
			})
		}
	}
}

func TestRegisterRefusesNonsenseHistoryBounds(t *testing.T) {
	s, err := store.Open(t.TempDir(), store.WithHistory(history.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Register("m", persistence.NewValue(gen{}), store.WithModuleHistory(history.Bounds{Keep: 10, MaxAge: time.Hour, MaxBytes: 0}))
	if err == nil {
		t.Fatal("zero max_bytes accepted")
	}
}

func TestOfflineRestoreOfAVersion(t *testing.T) {
	dir := t.TempDir()
	s, v := openWithHistory(t, dir)
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		v.Set(gen{i * 10})
		s.BackupRequested(ctx)
	}
	if _, _, err := store.RestoreVersionDir(dir, "odometry", history.Selector{Version: 1}, time.Now(), history.Config{}); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("restore while the store runs: %v, want ErrLocked", err)
	}
	s.Close()
	if _, _, err := store.RestoreVersionDir(dir, "odometry", history.Selector{Version: 5}, time.Now(), history.Config{}); !errors.Is(err, store.ErrNoVersion) {
		t.Fatalf("unknown version: %v", err)
	}
	if got := storedGen(t, filepath.Join(dir, "odometry.json")); got != 20 {
		t.Fatalf("a failed restore changed the file: %d", got)
	}
	from, to, err := store.RestoreVersionDir(dir, "odometry", history.Selector{Version: 1}, time.Now(), history.Config{})
	if err != nil || from.Version != 1 || to.Version != 3 {
		t.Fatalf("restore: %d -> %d, %v", from.Version, to.Version, err)
	}
	if got := storedGen(t, filepath.Join(dir, "odometry.json")); got != 10 {
		t.Fatalf("file holds %d after restoring version 1", got)
	}
	if got := storedGen(t, filepath.Join(dir, "odometry.json.prev")); got != 20 {
		t.Fatalf("the replaced state is not kept as .prev: %d", got)
	}
	vs, err := store.ListHistoryDir(dir, "odometry")
	if err != nil || len(vs) != 3 {
		t.Fatalf("history after offline restore: %v %v", vs, err)
	}
}

// Format rosys writes plain data: the schema version lives in the sidecar
// (three generations) and, for the history, in its index. Restoring an
// old version of a schema-2 module must not migrate it as if it were 1,
// also after a restart (the index written at Close).
func TestHistoryOfFormatRoSysKeepsTheSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	strict := map[int]persistence.Migration{1: func(d json.RawMessage) (json.RawMessage, error) {
		var old struct {
			Old *int `json:"old"`
		}
		if err := json.Unmarshal(d, &old); err != nil || old.Old == nil {
			return nil, errors.New(`schema 1 data has "old"`)
		}
		return json.Marshal(gen{*old.Old})
	}}
	open := func() (*store.Store, *persistence.Value[gen]) {
		s, err := store.Open(dir, store.WithFormat(store.FormatRoSys), store.WithHistory(history.Config{}),
			store.WithClock(steppingClock(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))))
		if err != nil {
			t.Fatal(err)
		}
		v := persistence.NewValue(gen{}, persistence.WithSchema[gen](2, strict))
		if err := s.Register("odometry", v); err != nil {
			t.Fatal(err)
		}
		if err := s.Restore(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s, v
	}
	s, v := open()
	ctx := context.Background()
	for i := 1; i <= 5; i++ { // more versions than the sidecar names
		v.Set(gen{i})
		if err := s.BackupRequested(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s, v = open()
	defer s.Close()
	if _, _, err := s.RestoreVersion(ctx, "odometry", history.Selector{Version: 1}); err != nil {
		t.Fatalf("restore version 1 of a schema-2 module in format rosys: %v", err)
	}
	if v.Get().Gen != 1 {
		t.Fatalf("module holds %d", v.Get().Gen)
	}
}
