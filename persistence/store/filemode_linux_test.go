package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

// Module files are created as Python creates RoSys's: 0666 less the umask
// (0644 under the usual 022), so RoSys tools running as another user can
// read them.
func TestModuleFilesFollowTheUmask(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	s := persistencetest.Open(t, dir, store.WithFormat(store.FormatRoSys))
	v := persistence.NewValue(typedModel{Value: 1})
	s.Register("model", v)
	s.Restore(context.Background())
	v.Update(func(m *typedModel) { m.Value = 2 })
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "model.json"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v %v", fi.Mode(), err)
	}
}
