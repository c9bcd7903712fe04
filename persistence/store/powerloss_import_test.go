package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs/crashfs"
)

// TestPowerLossImport cuts power after every operation of an import into
// a running store: each module is either as before or as imported, and as
// soon as any module is imported the rollback archive of the state before
// is durable and readable.
func TestPowerLossImport(t *testing.T) {
	crashTest(t)
	powerLossImport(t, importUnderPowerLoss{
		open: plStore, version: 1, label: "",
		checkRollback: checkRollback, checkRecovery: checkRecovery,
	})
}

// importUnderPowerLoss is what differs between the formats of the data
// directory in powerLossImport.
type importUnderPowerLoss struct {
	open          func(*testing.T, *crashfs.FS) (*Store, map[string]*persistence.Value[plPayload], error)
	version       int // the schema version of the imported files
	label         string
	checkRollback func(img *crashfs.FS) error
	checkRecovery func(t *testing.T, img *crashfs.FS, a *allowed) error
}

// plExtra is a key an imported archive adds: no module, no file before.
const plExtra = "extra"

// allOrNothing opens a store on img (which rolls back a cut-off import)
// and checks that either every module of the archive is imported, the
// added key's file is there and the journal says applied, or none is, the
// added key's file is gone and no record is left applying.
func (importUnderPowerLoss) allOrNothing(t *testing.T, img *crashfs.FS, open func(*testing.T, *crashfs.FS) (*Store, map[string]*persistence.Value[plPayload], error)) error {
	s, vals, err := open(t, img)
	if err != nil {
		return err
	}
	gens := map[int][]string{}
	for _, k := range plKeys {
		g := vals[k].Get().Gen
		gens[g] = append(gens[g], k)
	}
	s.Close()
	b, extraErr := img.ReadFile("/robot/data/"+plExtra+".json", 1<<20)
	recs, err := archive.Imports(img, "/robot/data")
	if err != nil {
		return err
	}
	outcome := ""
	if len(recs) > 0 {
		outcome = recs[len(recs)-1].Outcome
	}
	switch {
	case len(gens[50]) == len(plKeys):
		var compact bytes.Buffer
		if extraErr != nil || json.Compact(&compact, b) != nil || !bytes.Contains(compact.Bytes(), []byte(`"gen":50`)) {
			return fmt.Errorf("every module imported, but the added key's file is not (%v): %.80s", extraErr, b)
		}
		if outcome != archive.OutcomeApplied {
			return fmt.Errorf("every module imported, the journal says %q", outcome)
		}
	case len(gens[1]) == len(plKeys):
		if extraErr == nil {
			return fmt.Errorf("no module imported, but the added key's file is there: %s", b)
		}
		if outcome == archive.OutcomeApplying || outcome == archive.OutcomeApplied {
			return fmt.Errorf("no module imported, the journal says %q", outcome)
		}
	default:
		return fmt.Errorf("a mix after recovery: generations %v", gens)
	}
	return nil
}

// powerLossImport imports an archive of generation 50 over generation 1,
// into a running store and offline, and cuts power after every operation:
// every module is as before or as imported, and once one is imported the
// rollback archive is readable (c.checkRollback).
func powerLossImport(t *testing.T, c importUnderPowerLoss) {
	a := &allowed{durable: map[string]int{}}
	var incoming *archive.Archive
	prepare := func(fsys *crashfs.FS) {
		s, vals, err := c.open(t, fsys)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range plKeys {
			vals[k].Set(plValue(1))
			a.durable[k] = 1
		}
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.Close()
		files := map[string][]byte{}
		for _, k := range plKeys {
			files[k], _ = modfile.Encode(k, c.version, time.Unix(1700000000, 0), plValue(50))
		}
		// A key the data directory has no file for: a roll back removes it.
		files[plExtra], _ = modfile.Encode(plExtra, c.version, time.Unix(1700000000, 0), plValue(50))
		var buf bytes.Buffer
		if err := archive.Write(&buf, archive.Describe(files, "other", time.Unix(1700000000, 0)), files); err != nil {
			t.Fatal(err)
		}
		if incoming, err = archive.Read(&buf, archive.DefaultLimits); err != nil {
			t.Fatal(err)
		}
	}
	check := func(img *crashfs.FS) error {
		// All or nothing, whoever opens the directory next: the robot
		// (Store.Open) or an offline command (archive.LockDir).
		if err := c.allOrNothing(t, img.Crash(crashfs.KeepAll, 0), c.open); err != nil {
			return fmt.Errorf("after Open: %w", err)
		}
		offline := img.Crash(crashfs.KeepAll, 0)
		lock, err := archive.LockDir(offline, "/robot/data", time.Unix(1700000000, 0))
		if err != nil {
			return fmt.Errorf("offline open: %w", err)
		}
		lock.Close()
		if err := c.allOrNothing(t, offline, c.open); err != nil {
			return fmt.Errorf("after an offline command: %w", err)
		}
		for _, k := range plKeys {
			if b, err := img.ReadFile(filepath.Join("/robot/data", k+".json"), 1<<30); err == nil && bytes.Contains(b, []byte(`"gen":50`)) {
				if err := c.checkRollback(img); err != nil {
					return err
				}
				break
			}
		}
		return c.checkRecovery(t, img, a)
	}
	running := func(fsys *crashfs.FS) error {
		s, _, err := c.open(t, fsys)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = s.Import(context.Background(), incoming)
		return err
	}
	offline := func(fsys *crashfs.FS) error {
		_, err := archive.ImportDir(fsys, "/robot/data", incoming, time.Unix(1700000000, 0))
		return err
	}
	for name, imp := range map[string]func(*crashfs.FS) error{"running": running, "offline": offline} {
		t.Run(name, func(t *testing.T) {
			a.durable, a.attempt = map[string]int{}, nil
			ops, images := powerLoss(t, prepare, func(fsys *crashfs.FS) {
				a.set(map[string]int{"odometry": 50, "calibration": 50, "settings": 50})
				if err := imp(fsys); err != nil {
					t.Fatal(err)
				}
				a.commit()
			}, check)
			t.Logf("%spower cut after each of %d operations of an import, %d disk images checked", c.label, ops, images)
			if ops < 20 {
				t.Fatalf("only %d operations were covered", ops)
			}
		})
	}
}

// newestRollback reads the newest rollback archive of the image.
func newestRollback(img *crashfs.FS) (*archive.Archive, error) {
	entries, err := img.ReadDir("/robot/data/rollback")
	if err != nil || len(entries) == 0 {
		return nil, fmt.Errorf("a module is imported but no rollback archive survived (%v)", err)
	}
	b, err := img.ReadFile(filepath.Join("/robot/data/rollback", entries[len(entries)-1].Name()), 1<<30)
	if err != nil {
		return nil, err
	}
	ar, err := archive.Read(bytes.NewReader(b), archive.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("rollback archive: %w", err)
	}
	return ar, nil
}

// checkRollback: the newest rollback archive exists, reads, and holds
// generation 1 of every module.
func checkRollback(img *crashfs.FS) error {
	ar, err := newestRollback(img)
	if err != nil {
		return err
	}
	for _, k := range plKeys {
		if !bytes.Contains(ar.Files[k], []byte(`"gen":1`)) {
			return fmt.Errorf("rollback archive lacks generation 1 of %s", k)
		}
	}
	return nil
}

// TestPowerLossImportHistory is TestPowerLossImport with history on: an
// import cut off and rolled back leaves every module all or nothing, and
// every version the history lists reads and matches its checksum.
func TestPowerLossImportHistory(t *testing.T) {
	crashTest(t)
	open := func(t *testing.T, fsys *crashfs.FS) (*Store, map[string]*persistence.Value[plPayload], error) {
		return plStoreAt(t, fsys, "/robot/data", WithHistory(plHistory))
	}
	powerLossImport(t, importUnderPowerLoss{
		open: open, version: 1, label: "history: ", checkRollback: checkRollback,
		checkRecovery: func(t *testing.T, img *crashfs.FS, a *allowed) error {
			s, _, err := open(t, img)
			if err != nil {
				return err
			}
			defer s.Close()
			for _, k := range plKeys {
				vs, err := s.History(k)
				if err != nil {
					return fmt.Errorf("history of %s: %w", k, err)
				}
				for _, v := range vs {
					if _, _, err := s.VersionData(k, v.Version); err != nil {
						return fmt.Errorf("history of %s lists version %d: %w", k, v.Version, err)
					}
				}
			}
			return nil
		},
	})
}
