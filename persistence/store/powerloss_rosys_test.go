package store

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs/crashfs"
)

// The power-loss simulation for persistence.format: rosys. The modules are
// at schema version 2 and the migration from 1 marks the data: a file this
// program wrote (version 2) that a recovery took for a RoSys file (version
// 1) because its sidecar did not name it would show the mark. So every
// image checks the crash order of sidecar and data file, too.

const rosysMigrated = -1000

func plStoreRoSys(t *testing.T, fsys *crashfs.FS) (*Store, map[string]*persistence.Value[plPayload], error) {
	t.Helper()
	s, err := Open("/robot/data", WithFS(fsys), WithWriters(1), WithFormat(FormatRoSys),
		WithClock(func() time.Time { return time.Unix(1700000000, 0) }))
	if err != nil {
		return nil, nil, err
	}
	mark := func(d json.RawMessage) (json.RawMessage, error) {
		var p plPayload
		if err := json.Unmarshal(d, &p); err != nil {
			return nil, err
		}
		p.Gen += rosysMigrated
		return json.Marshal(p)
	}
	vals := map[string]*persistence.Value[plPayload]{}
	for _, k := range plKeys {
		vals[k] = persistence.NewValue(plValue(0), persistence.WithSchema[plPayload](2, map[int]persistence.Migration{1: mark}))
		if err := s.Register(k, vals[k]); err != nil {
			t.Fatal(err)
		}
	}
	return s, vals, s.Restore(context.Background())
}

func checkRecoveryRoSys(t *testing.T, img *crashfs.FS, a *allowed) error {
	s, vals, err := plStoreRoSys(t, img)
	if err != nil {
		return fmt.Errorf("open after power cut: %w", err)
	}
	defer s.Close()
	for _, m := range s.Status() {
		g := vals[m.Key].Get().Gen
		if ok, want := a.ok(m.Key, g); !ok {
			return fmt.Errorf("module %s restored generation %d (from %s), want one of %s", m.Key, g, m.RestoredFrom, want)
		}
		if len(m.MovedAside) > 0 || m.RestoreError != "" || m.RestoredFrom == persistence.FromPrevious {
			return fmt.Errorf("module %s: %s, from %s", m.Key, m.RestoreError, m.RestoredFrom)
		}
	}
	vals[plKeys[0]].Set(plValue(777))
	if err := s.BackupRequested(context.Background()); err != nil {
		return fmt.Errorf("commit after recovery: %w", err)
	}
	return nil
}

func TestPowerLossFormatRoSys(t *testing.T) {
	crashTest(t)
	a := &allowed{durable: map[string]int{}}
	ops, images := powerLoss(t, nil, func(fsys *crashfs.FS) {
		s, vals, err := plStoreRoSys(t, fsys)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ctx := context.Background()
		for gen, keys := range [][]string{plKeys, plKeys[:2], plKeys[1:], plKeys[:1]} {
			attempt := map[string]int{}
			for _, k := range keys {
				vals[k].Set(plValue(gen + 1))
				attempt[k] = gen + 1
			}
			a.set(attempt)
			if err := s.BackupRequested(ctx); err != nil {
				t.Fatal(err)
			}
			a.commit()
		}
	}, func(img *crashfs.FS) error { return checkRecoveryRoSys(t, img, a) })
	t.Logf("format rosys: power cut after each of %d operations, %d disk images recovered and checked", ops, images)
	if ops < 50 {
		t.Fatalf("only %d operations were covered; the workload did not run", ops)
	}
}

// TestPowerLossImportFormatRoSys: an import into a directory of format
// rosys, running and offline, cut after every operation: every module is
// as before or as imported, at the right schema version, and once one is
// imported the rollback archive is readable.
func TestPowerLossImportFormatRoSys(t *testing.T) {
	crashTest(t)
	powerLossImport(t, importUnderPowerLoss{
		open: plStoreRoSys, version: 2, label: "format rosys: ",
		checkRollback: checkRollbackGen1, checkRecovery: checkRecoveryRoSys,
	})
}

// checkRollbackGen1: the newest rollback archive reads and holds
// generation 1 of every module at schema version 2 (taken from the
// sidecars, not guessed).
func checkRollbackGen1(img *crashfs.FS) error {
	ar, err := newestRollback(img)
	if err != nil {
		return err
	}
	for _, k := range plKeys {
		st, err := modfile.Decode(k, ar.Files[k])
		var p plPayload
		if err == nil {
			err = json.Unmarshal(st.Data, &p)
		}
		if err != nil || p.Gen != 1 || st.SchemaVersion != 2 {
			return fmt.Errorf("rollback archive holds %s at generation %d, version %d (%v); want 1 at 2", k, p.Gen, st.SchemaVersion, err)
		}
	}
	return nil
}
