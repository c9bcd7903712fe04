package store

import (
	"bytes"
	"context"
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
)

// journalStore opens a store in dir with the three test modules.
func journalStore(t *testing.T, dir string) (*Store, map[string]*persistence.Value[plPayload]) {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("open: %v", err)
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

func gen50Archive(t *testing.T) *archive.Archive {
	t.Helper()
	when := time.Unix(1700000000, 0)
	files := map[string][]byte{}
	for _, k := range plKeys {
		files[k], _ = modfile.Encode(k, 1, when, plValue(50))
	}
	var buf bytes.Buffer
	if err := archive.Write(&buf, archive.Describe(files, "other", when), files); err != nil {
		t.Fatal(err)
	}
	a, err := archive.Read(&buf, archive.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestImportJournalDamaged: a journal that does not read (garbage, empty,
// a directory, a FIFO in its place) never stops the robot from starting
// or an import from running: it is kept aside and a new one begun.
func TestImportJournalDamaged(t *testing.T) {
	plant := map[string]func(path string) error{
		"garbage":   func(p string) error { return os.WriteFile(p, []byte("{\"imports\": [tor"), 0o644) },
		"empty":     func(p string) error { return os.WriteFile(p, nil, 0o644) },
		"directory": func(p string) error { return os.Mkdir(p, 0o755) },
		"fifo":      func(p string) error { return syscall.Mkfifo(p, 0o644) },
	}
	for name, fn := range plant {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, archive.RollbackDir), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := fn(filepath.Join(dir, archive.RollbackDir, archive.ImportJournal)); err != nil {
				t.Fatal(err)
			}
			s, vals := journalStore(t, dir)
			defer s.Close()
			aside, _ := filepath.Glob(filepath.Join(dir, archive.RollbackDir, archive.ImportJournal+".corrupt-*"))
			if len(aside) != 1 {
				t.Fatalf("the damaged journal was not kept aside: %v", aside)
			}
			res, err := s.Import(context.Background(), gen50Archive(t))
			if err != nil {
				t.Fatal(err)
			}
			if vals["odometry"].Get().Gen != 50 {
				t.Fatal("not imported")
			}
			imps := s.Imports()
			if len(imps) != 1 || imps[0].Outcome != archive.OutcomeApplied || imps[0].ID != res.ID || imps[0].Robot != "other" {
				t.Fatalf("journal after the import: %+v (answer %+v)", imps, res)
			}
		})
	}
}

// TestImportCutOffWithoutRollbackArchive: the rollback archive of a
// cut-off import was deleted by hand. Nothing can be rolled back: the
// robot starts all the same, the journal and Imports say "roll back
// failed" and why, and a later import works.
func TestImportCutOffWithoutRollbackArchive(t *testing.T) {
	dir := t.TempDir()
	s, vals := journalStore(t, dir)
	for _, k := range plKeys {
		vals[k].Set(plValue(1))
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, err := modfile.ReadDir(vfs.OS{}, dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	a := gen50Archive(t)
	rec := archive.NewImportRecord(a, before, filepath.Join(dir, archive.RollbackDir, "rollback-gone.tar.gz"), time.Now())
	if err := archive.BeginImport(vfs.OS{}, dir, rec); err != nil {
		t.Fatal(err)
	}
	s, _ = journalStore(t, dir)
	imps := s.Imports()
	if len(imps) != 1 || imps[0].Outcome != archive.OutcomeStuck || !strings.Contains(imps[0].Error, "rollback-gone.tar.gz") {
		t.Fatalf("journal: %+v", imps)
	}
	if _, err := s.Import(context.Background(), a); err != nil {
		t.Fatalf("a later import: %v", err)
	}
	s.Close()
}
