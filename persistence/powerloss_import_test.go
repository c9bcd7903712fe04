package persistence

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs/crashfs"
)

// TestPowerLossImport cuts power after every operation of an import into
// a running store: each module is either as before or as imported, and as
// soon as any module is imported the rollback archive of the state before
// is durable and readable.
func TestPowerLossImport(t *testing.T) {
	a := &allowed{durable: map[string]int{}}
	var incoming *archive.Archive
	prepare := func(fsys *crashfs.FS) {
		s, vals, err := plStore(t, fsys)
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
			files[k], _ = modfile.Encode(k, 1, time.Unix(1700000000, 0), plValue(50))
		}
		var buf bytes.Buffer
		if err := archive.Write(&buf, archive.Describe(files, "other", time.Unix(1700000000, 0)), files); err != nil {
			t.Fatal(err)
		}
		if incoming, err = archive.Read(&buf, archive.DefaultLimits); err != nil {
			t.Fatal(err)
		}
	}
	check := func(img *crashfs.FS) error {
		imported := false
		for _, k := range plKeys {
			if b, err := img.ReadFile(filepath.Join("/robot/data", k+".json"), 1<<30); err == nil && bytes.Contains(b, []byte(`"gen":50`)) {
				imported = true
			}
		}
		if imported {
			if err := checkRollback(img); err != nil {
				return err
			}
		}
		return checkRecovery(t, img, a)
	}
	running := func(fsys *crashfs.FS) error {
		s, _, err := plStore(t, fsys)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = s.Import(context.Background(), incoming)
		return err
	}
	offline := func(fsys *crashfs.FS) error {
		_, err := archive.ImportDirFS(fsys, "/robot/data", incoming, time.Unix(1700000000, 0))
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
			t.Logf("power cut after each of %d operations of an import, %d disk images checked", ops, images)
			if ops < 20 {
				t.Fatalf("only %d operations were covered", ops)
			}
		})
	}
}

// checkRollback: the newest rollback archive exists, reads, and holds
// generation 1 of every module.
func checkRollback(img *crashfs.FS) error {
	entries, err := img.ReadDir("/robot/data/rollback")
	if err != nil || len(entries) == 0 {
		return fmt.Errorf("a module is imported but no rollback archive survived (%v)", err)
	}
	b, err := img.ReadFile(filepath.Join("/robot/data/rollback", entries[len(entries)-1].Name()), 1<<30)
	if err != nil {
		return err
	}
	ar, err := archive.Read(bytes.NewReader(b), archive.DefaultLimits)
	if err != nil {
		return fmt.Errorf("rollback archive: %w", err)
	}
	for _, k := range plKeys {
		if !bytes.Contains(ar.Files[k], []byte(`"gen":1`)) {
			return fmt.Errorf("rollback archive lacks generation 1 of %s", k)
		}
	}
	return nil
}
