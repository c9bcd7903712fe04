package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

// stored makes a data directory where model holds 7.5.
func stored(t *testing.T) string {
	dir := t.TempDir()
	s := persistencetest.Open(t, dir)
	v := persistence.NewValue(map[string]float64{"value": 1})
	mustRegisterRestore(t, s, "model", v)
	v.Set(map[string]float64{"value": 7.5})
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return dir
}

func TestRecordAccessStartsFromDefaults(t *testing.T) {
	dir := stored(t)
	s := persistencetest.Open(t, dir, store.WithAccess(store.AccessRecord))
	v := persistence.NewValue(map[string]float64{"value": 1})
	mustRegisterRestore(t, s, "model", v)
	if v.Get()["value"] != 1 {
		t.Fatalf("record mode restored %v", v.Get())
	}
	v.Set(map[string]float64{"value": 2})
	if err := s.BackupRequested(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readFileData(t, dir, "model"); got != `{"value":2.0}` {
		t.Fatalf("record mode did not write: %s", got)
	}
}

func TestReplayAccessNeverWrites(t *testing.T) {
	dir := stored(t)
	before, _ := os.ReadFile(filepath.Join(dir, "model.json"))
	s := persistencetest.Open(t, dir, store.WithAccess(store.AccessReplay))
	v := persistence.NewValue(map[string]float64{"value": 1})
	mustRegisterRestore(t, s, "model", v)
	if v.Get()["value"] != 7.5 {
		t.Fatalf("replay did not restore: %v", v.Get())
	}
	v.Set(map[string]float64{"value": 9})
	ctx := context.Background()
	if err := s.BackupRequested(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	a, _ := archive.Read(bytes.NewReader([]byte(`{"model": {"value": 3}}`)), archive.DefaultLimits)
	if _, err := s.Import(ctx, a); !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("import in replay mode: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "model.json"))
	if !bytes.Equal(before, after) || !s.ReadOnly() {
		t.Fatal("replay mode wrote the module file")
	}
	if _, err := os.Stat(filepath.Join(dir, "rollback")); !os.IsNotExist(err) {
		t.Fatal("replay mode wrote a rollback archive")
	}
}

func TestSelectivePersisting(t *testing.T) {
	dir := stored(t)
	s := persistencetest.Open(t, dir, store.WithMode(store.ModeSelectivePersisting))
	model := persistence.NewValue(map[string]float64{"value": 1})
	volatile := persistence.NewValue(42)
	if err := s.Register("model", model, store.Selected()); err != nil {
		t.Fatal(err)
	}
	if err := s.Register("volatile", volatile); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	if model.Get()["value"] != 7.5 {
		t.Fatal("selected module not restored")
	}
	volatile.Set(43)
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "volatile.json")); !os.IsNotExist(err) {
		t.Fatal("a module that was not selected was written")
	}
}
