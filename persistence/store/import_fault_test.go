package store

import (
	"bytes"
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
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/persistence/vfs/faultfs"
)

// TestImportFaultRollsBack: a disk fault part way through an import, into
// a running store and offline, at a module the robot has, at a key it does
// not have and at the journal's commit record. The import fails naming the
// fault and saying it was rolled back; the files, the modules in memory
// and the journal are as before; once the disk works the same import
// applies all of it.
func TestImportFaultRollsBack(t *testing.T) {
	when := time.Unix(1700000000, 0)
	files := map[string][]byte{}
	for _, k := range append([]string{plExtra}, plKeys...) {
		files[k], _ = modfile.Encode(k, 1, when, plValue(50))
	}
	var buf bytes.Buffer
	if err := archive.Write(&buf, archive.Describe(files, "other", when), files); err != nil {
		t.Fatal(err)
	}
	incoming, err := archive.Read(&buf, archive.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	fileGen := func(t *testing.T, dir, key string) int {
		b, err := os.ReadFile(filepath.Join(dir, key+".json"))
		if err != nil {
			return -1
		}
		st, err := modfile.Decode(key, b)
		var p plPayload
		if err != nil || json.Unmarshal(st.Data, &p) != nil {
			t.Fatalf("%s: %v", key, err)
		}
		return p.Gen
	}
	checkAll := func(t *testing.T, dir string, gen int, vals map[string]*persistence.Value[plPayload]) {
		t.Helper()
		for _, k := range plKeys {
			if g := fileGen(t, dir, k); g != gen {
				t.Fatalf("%s.json holds generation %d, want %d", k, g, gen)
			}
			if vals != nil && vals[k].Get().Gen != gen {
				t.Fatalf("module %s holds generation %d, want %d", k, vals[k].Get().Gen, gen)
			}
		}
		extra := fileGen(t, dir, plExtra)
		if (gen == 50) != (extra == 50) {
			t.Fatalf("%s.json: generation %d with the modules at %d", plExtra, extra, gen)
		}
	}
	faults := []struct {
		op    faultfs.Op
		match string
	}{
		{faultfs.Rename, "/settings.json"}, // a module the robot has
		{faultfs.Create, "/" + plExtra + ".json"},
		{faultfs.Rename, "/" + archive.ImportJournal}, // the commit record (the second journal write)
	}
	for _, f := range faults {
		for _, mode := range []string{"running", "offline"} {
			t.Run(mode+"/"+string(f.op)+" "+f.match, func(t *testing.T) {
				dir := t.TempDir()
				ffs := faultfs.New(vfs.OS{})
				open := func() (*Store, map[string]*persistence.Value[plPayload]) {
					s, err := Open(dir, WithFS(ffs), WithWriters(1))
					if err != nil {
						t.Fatal(err)
					}
					vals := map[string]*persistence.Value[plPayload]{}
					for _, k := range plKeys {
						vals[k] = persistence.NewValue(plValue(0))
						if err := s.Register(k, vals[k]); err != nil {
							t.Fatal(err)
						}
					}
					if err := s.Restore(context.Background()); err != nil {
						t.Fatal(err)
					}
					return s, vals
				}
				s, vals := open()
				for _, k := range plKeys {
					vals[k].Set(plValue(1))
				}
				if err := s.Flush(context.Background()); err != nil {
					t.Fatal(err)
				}
				imp := func() error {
					_, err := s.Import(context.Background(), incoming)
					return err
				}
				if mode == "offline" {
					s.Close()
					vals = nil
					imp = func() error {
						_, err := archive.ImportDir(ffs, dir, incoming, when)
						return err
					}
				}
				journalFault := f.match == "/"+archive.ImportJournal
				switch {
				case journalFault:
					// The first journal write (applying) goes through;
					// the second (applied: the commit point) fails.
					ffs.FailAfter(f.op, f.match, 1, syscall.ENOSPC)
				case mode == "running" && f.match == "/settings.json":
					// The flush before the import writes it once: two
					// renames (settings.json.prev, then settings.json).
					ffs.FailAfter(f.op, f.match, 2, syscall.ENOSPC)
				default:
					ffs.Fail(f.op, f.match, syscall.ENOSPC)
				}
				err := imp()
				if err == nil || !strings.Contains(err.Error(), "no space left") || !strings.Contains(err.Error(), "the state before is back") {
					t.Fatalf("import with a fault answered %v", err)
				}
				if journalFault != errors.Is(err, archive.ErrImportUnresolved) {
					t.Fatalf("unresolved %v: %v", !journalFault, err)
				}
				checkAll(t, dir, 1, vals)
				outcome := func() string {
					recs, err := archive.Imports(vfs.OS{}, dir)
					if err != nil || len(recs) == 0 {
						t.Fatalf("journal: %+v %v", recs, err)
					}
					return recs[len(recs)-1].Outcome
				}
				if journalFault {
					// Still applying: nothing may be committed over the
					// state before until the roll back is recorded.
					if o := outcome(); o != archive.OutcomeApplying {
						t.Fatalf("journal after a failed record: %s", o)
					}
					if mode == "running" {
						vals["odometry"].Set(plValue(2))
						if err := s.BackupRequested(context.Background()); !errors.Is(err, archive.ErrImportUnresolved) {
							t.Fatalf("a commit while the roll back is not recorded: %v", err)
						}
						vals["odometry"].Set(plValue(1))
					}
				}
				ffs.Clear()
				if mode == "running" {
					if err := s.Flush(context.Background()); err != nil {
						t.Fatal(err)
					}
				} else {
					lock, err := archive.LockDir(ffs, dir, when)
					if err != nil {
						t.Fatal(err)
					}
					lock.Close()
				}
				if o := outcome(); o != archive.OutcomeRolledBack {
					t.Fatalf("journal once the disk works: %s", o)
				}
				checkAll(t, dir, 1, vals)
				if err := imp(); err != nil {
					t.Fatalf("the same import once the disk works: %v", err)
				}
				checkAll(t, dir, 50, vals)
				if mode == "running" {
					s.Close()
				}
				s, vals = open()
				defer s.Close()
				checkAll(t, dir, 50, vals)
			})
		}
	}
}
