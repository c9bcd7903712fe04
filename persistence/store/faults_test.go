package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/persistence/vfs/faultfs"
)

// faultErrors are the errors a robot's SD card or disk gives in the field:
// full, failing, remounted read-only after an error, wrong permissions.
var faultErrors = []syscall.Errno{syscall.ENOSPC, syscall.EIO, syscall.EROFS, syscall.EACCES}

type gen struct {
	Gen int `json:"gen"`
}

func storedGen(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var f struct {
		Data gen `json:"data"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s does not parse: %v", path, err)
	}
	return f.Data.Gen
}

// Each error on each operation of a write: the commit fails naming the
// error, the module's status says so, the stored state is intact, no
// temporary file is left, and the next cycle writes the change once the
// disk works again, without anyone asking twice.
func TestWriteFaultsAreReportedAndRetried(t *testing.T) {
	for _, op := range faultfs.Ops {
		for _, errno := range faultErrors {
			t.Run(string(op)+"/"+errno.Error(), func(t *testing.T) {
				dir := t.TempDir()
				ffs := faultfs.New(vfs.OS{})
				s, err := store.Open(dir, store.WithFS(ffs))
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				v := persistence.NewValue(gen{})
				other := persistence.NewValue(gen{})
				s.Register("odometry", v)
				s.Register("other", other)
				ctx := context.Background()
				s.Restore(ctx)
				v.Set(gen{1})
				other.Set(gen{1})
				if err := s.BackupRequested(ctx); err != nil {
					t.Fatal(err)
				}

				v.Set(gen{2})
				ffs.Fail(op, "odometry", errno)
				if op == faultfs.DirSync {
					ffs.Fail(op, "", errno) // the directory has no module in its name
				}
				err = s.BackupRequested(ctx)
				if !errors.Is(err, errno) {
					t.Fatalf("commit error %v, want %v", err, errno)
				}
				if ffs.Hits() == 0 {
					t.Fatal("the fault was never hit")
				}
				st := s.Status()[0]
				if !strings.Contains(st.LastError, errno.Error()) || !st.Pending {
					t.Fatalf("status %+v: want the error %q and the change pending", st, errno.Error())
				}
				wctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
				if err := s.WaitDurable(wctx, "odometry"); err == nil {
					t.Fatal("WaitDurable reported a failed write durable")
				}
				cancel()
				// What is on disk is a whole file: the old generation, or after
				// a failed directory sync the new one (written and fsynced, its
				// rename not yet known durable).
				got := storedGen(t, s.Path("odometry"))
				if got != 1 && !(op == faultfs.DirSync && got == 2) {
					t.Fatalf("stored generation %d after a failed %s", got, op)
				}
				if storedGen(t, s.Path("other")) != 1 {
					t.Fatal("another module's file changed")
				}
				entries, _ := os.ReadDir(dir)
				for _, e := range entries {
					if strings.Contains(e.Name(), ".tmp-") {
						t.Fatalf("temporary file %s left behind", e.Name())
					}
				}

				ffs.Clear()
				if err := s.BackupRequested(ctx); err != nil {
					t.Fatalf("retry: %v", err)
				}
				if st := s.Status()[0]; st.LastError != "" || st.Pending {
					t.Fatalf("after the retry: %+v", st)
				}
				if got := storedGen(t, s.Path("odometry")); got != 2 {
					t.Fatalf("after the retry the file holds generation %d, want 2", got)
				}
				if got := storedGen(t, s.Path("odometry")+".prev"); got != 1 && got != 2 {
					t.Fatalf(".prev holds generation %d", got)
				}
			})
		}
	}
}

// A fault while restoring (the card gives EIO on read) keeps the file: it
// is moved aside, never written over, and the module starts from defaults.
func TestReadFaultAtRestoreKeepsTheFile(t *testing.T) {
	dir := t.TempDir()
	if err := store.WriteFileAtomic(filepath.Join(dir, "odometry.json"), []byte(`{"format":"rosys-go/1","key":"odometry","schema_version":1,"data":{"gen":7}}`)); err != nil {
		t.Fatal(err)
	}
	ffs := faultfs.New(vfs.OS{})
	ffs.Fail(faultfs.Read, "odometry.json", syscall.EIO)
	ffs.Fail(faultfs.Rename, "corrupt", syscall.EROFS) // cannot move it aside either
	s, err := store.Open(dir, store.WithFS(ffs))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v := persistence.NewValue(gen{})
	s.Register("odometry", v)
	s.Restore(context.Background())
	st := s.Status()[0]
	if v.Get().Gen != 0 || !strings.Contains(st.RestoreError, "input/output error") {
		t.Fatalf("value %v, status %+v", v.Get(), st)
	}
	v.Set(gen{8})
	if err := s.BackupRequested(context.Background()); err == nil {
		t.Fatal("wrote over a file that could not be read")
	}
	if storedGen(t, filepath.Join(dir, "odometry.json")) != 7 {
		t.Fatal("the unreadable file was replaced")
	}
}

// The journal reports a failing disk in its status and keeps recording
// once the disk works again.
func TestJournalWriteFault(t *testing.T) {
	ffs := faultfs.New(vfs.OS{})
	j, err := journal.Open(journal.Config{Dir: t.TempDir(), FS: ffs, SyncEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ffs.Fail(faultfs.Fsync, "", syscall.EIO)
	j.Record("lizard", journal.RecordInput, []byte("a"))
	if err := j.Sync(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Sync: %v, want EIO", err)
	}
	if st := j.Status(); !strings.Contains(st.LastError, "input/output error") {
		t.Fatalf("status %+v", st)
	}
	ffs.Clear()
	j.Record("lizard", journal.RecordInput, []byte("b"))
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if st := j.Status(); st.Written != 2 {
		t.Fatalf("status %+v, want 2 records written", st)
	}
}
