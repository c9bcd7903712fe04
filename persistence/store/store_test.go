package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

type pose struct {
	X, Y   float64
	Labels []string
}

func TestRoundTripManyModules(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := persistencetest.Open(t, dir)
	var values []*persistence.Value[pose]
	for i := range 100 {
		v := persistence.NewValue(pose{X: -1})
		if err := s.Register(fmt.Sprintf("pose-%03d", i), v); err != nil {
			t.Fatal(err)
		}
		values = append(values, v)
	}
	hand := persistencetest.NewModule(map[string]float64{})
	if err := s.Register("calibration", hand); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		v.Set(pose{X: float64(i), Y: float64(i) / 3, Labels: []string{fmt.Sprint("p", i)}})
	}
	hand.State["gain"] = 0.25
	hand.RequestBackup()
	if err := s.BackupRequested(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2 := persistencetest.Open(t, dir)
	var restored []*persistence.Value[pose]
	for i := range 100 {
		v := persistence.NewValue(pose{X: -1})
		if err := s2.Register(fmt.Sprintf("pose-%03d", i), v); err != nil {
			t.Fatal(err)
		}
		restored = append(restored, v)
	}
	hand2 := persistencetest.NewModule(map[string]float64{"gain": 1, "stale": 2})
	if err := s2.Register("calibration", hand2); err != nil {
		t.Fatal(err)
	}
	if err := s2.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	for i, v := range restored {
		got := v.Get()
		if got.X != float64(i) || got.Y != float64(i)/3 || len(got.Labels) != 1 || got.Labels[0] != fmt.Sprint("p", i) {
			t.Fatalf("pose-%03d restored as %+v", i, got)
		}
	}
	if len(hand2.State) != 1 || hand2.State["gain"] != 0.25 {
		t.Fatalf("calibration restored as %v, want only gain=0.25", hand2.State)
	}
	for _, st := range s2.Status() {
		if st.RestoredFrom != persistence.FromFile || st.Pending || st.RestoreError != "" {
			t.Fatalf("status after restore: %+v", st)
		}
	}
}

func TestFileIsReadableEnvelope(t *testing.T) {
	dir := t.TempDir()
	s := persistencetest.Open(t, dir)
	v := persistence.NewValue(map[string]float64{"value": 1}, persistence.WithSchema[map[string]float64](3, nil))
	mustRegisterRestore(t, s, "model", v)
	v.Set(map[string]float64{"value": 7.5})
	if err := s.BackupRequested(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Format        string             `json:"format"`
		Key           string             `json:"key"`
		SchemaVersion int                `json:"schema_version"`
		SavedAt       string             `json:"saved_at"`
		Data          map[string]float64 `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	if env.Format != "rosys-go/1" || env.Key != "model" || env.SchemaVersion != 3 || env.Data["value"] != 7.5 || env.SavedAt == "" {
		t.Fatalf("file content: %s", b)
	}
	if !strings.Contains(string(b), "\n  \"data\": {\n    \"value\": 7.5\n  }") {
		t.Fatalf("file is not indented for people:\n%s", b)
	}
}

// blockingModule blocks inside Backup until released, so a test can make a
// request while a write is in flight.
type blockingModule struct {
	persistence.Tracker
	mu      sync.Mutex
	value   int
	entered chan struct{}
	release chan struct{}
}

func (m *blockingModule) Backup() any {
	m.mu.Lock()
	v := m.value
	m.mu.Unlock()
	if m.entered != nil {
		m.entered <- struct{}{}
		<-m.release
	}
	return map[string]int{"value": v}
}

func (m *blockingModule) Restore(data json.RawMessage) error {
	var d struct{ Value int }
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	m.mu.Lock()
	m.value = d.Value
	m.mu.Unlock()
	return nil
}

func (m *blockingModule) set(v int) {
	m.mu.Lock()
	m.value = v
	m.mu.Unlock()
	m.RequestBackup()
}

func TestRequestDuringWriteIsNotLost(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := persistencetest.Open(t, dir)
	m := &blockingModule{}
	mustRegisterRestore(t, s, "m", m)
	m.entered, m.release = make(chan struct{}), make(chan struct{})

	m.set(1)
	done := make(chan error)
	go func() { done <- s.BackupRequested(ctx) }()
	<-m.entered // the snapshot of value 1 is being taken
	m.set(2)    // request while the write is in flight
	close(m.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := readValue(t, dir, "m"); got != 1 {
		t.Fatalf("first cycle wrote %d, want 1", got)
	}
	st, _ := s.ModuleStatus("m")
	if !st.Pending {
		t.Fatal("request made during the write was lost: module not pending")
	}
	m.entered = nil
	if err := s.BackupRequested(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readValue(t, dir, "m"); got != 2 {
		t.Fatalf("second cycle wrote %d, want 2", got)
	}
	if st, _ := s.ModuleStatus("m"); st.Pending || st.Saves != 2 {
		t.Fatalf("after second cycle: %+v", st)
	}
}

func TestBackupRequestedWritesOnlyMarked(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := persistencetest.Open(t, dir)
	a, b := persistence.NewValue(1), persistence.NewValue(2)
	mustRegisterRestore(t, s, "a", a)
	mustRegisterRestore(t, s, "b", b)
	a.Set(10)
	if err := s.BackupRequested(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("unmarked module b was written (stat: %v)", err)
	}
	if got := readValue(t, dir, "a"); got != 10 {
		t.Fatalf("a = %d", got)
	}
	// Store.RequestBackup marks a module that has no Tracker of its own.
	if err := s.RequestBackup("b"); err != nil {
		t.Fatal(err)
	}
	if err := s.BackupRequested(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readValue(t, dir, "b"); got != 2 {
		t.Fatalf("b = %d", got)
	}
	if err := s.RequestBackup("nope"); !errors.Is(err, store.ErrUnknownKey) {
		t.Fatalf("RequestBackup(nope) = %v", err)
	}
}

func TestFlushWritesUnmarkedAndNamesFailures(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := persistencetest.Open(t, dir)
	good := persistence.NewValue(map[string]float64{"value": 3})
	bad := persistence.NewValue(map[string]any{"ch": make(chan int)}) // JSON cannot encode a channel
	late := persistence.NewValue(5)
	mustRegisterRestore(t, s, "good", good)
	mustRegisterRestore(t, s, "bad", bad)
	if err := s.Register("late", late); err != nil { // registered, never restored
		t.Fatal(err)
	}
	err := s.Flush(ctx)
	if err == nil {
		t.Fatal("Flush succeeded with an unencodable module")
	}
	for _, want := range []string{`module "bad"`, `module "late"`, "not restored"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Flush error %q does not mention %q", err, want)
		}
	}
	if !errors.Is(err, store.ErrNotRestored) {
		t.Errorf("Flush error does not wrap ErrNotRestored: %v", err)
	}
	if got := readFileData(t, dir, "good"); got != `{"value":3.0}` {
		t.Fatalf("unmarked module not flushed: %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "late.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a module that was never restored was written over")
	}
	if st, _ := s.ModuleStatus("bad"); !strings.Contains(st.LastError, "encode") {
		t.Fatalf("bad module status: %+v", st)
	}
}

func TestKeys(t *testing.T) {
	s := persistencetest.Open(t, t.TempDir())
	for _, key := range []string{"model", "a", "A-1_b.c", "x..", "camera.preview", "calib.tmp", "a.prev-1", "corrupt-x", "model.json"} {
		if err := s.Register(key, persistence.NewValue(0)); err != nil {
			t.Errorf("Register(%q) = %v", key, err)
		}
	}
	for _, key := range []string{"", ".", "..", "...", "a/b", "../x", "a b", "ä", "a\x00", strings.Repeat("k", 129),
		".hidden", "..x", ".rosys-go", ".lock", "calib.tmp-2024", "survey.json.tmp-recycled", "x.prev", "x.json.prev", "a.prev.b",
		"m.json.corrupt-20240101T000000.000Z", "a@1", "a@index"} {
		if err := s.Register(key, persistence.NewValue(0)); !errors.Is(err, persistence.ErrInvalidKey) {
			t.Errorf("Register(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
	err := s.Register("model", persistence.NewValue(1))
	if !errors.Is(err, store.ErrDuplicateKey) || !strings.Contains(err.Error(), `"model"`) {
		t.Errorf("duplicate Register = %v", err)
	}
	if err := s.Register("nil", nil); err == nil {
		t.Error("Register(nil module) succeeded")
	}
}

func TestDirectoryIsLocked(t *testing.T) {
	dir := t.TempDir()
	s := persistencetest.Open(t, dir)
	if _, err := store.Open(dir); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	s.Close()
	s2, err := store.Open(dir)
	if err != nil {
		t.Fatalf("Open after Close = %v", err)
	}
	s2.Close()
}

func TestOpenRemovesTemporaries(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "model.json.tmp-12345")
	if err := os.WriteFile(tmp, []byte(`{"val`), 0o644); err != nil {
		t.Fatal(err)
	}
	persistencetest.Open(t, dir)
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("leftover temporary file still there: %v", err)
	}
}

func TestKeepsPreviousGeneration(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := persistencetest.Open(t, dir)
	v := persistence.NewValue(0)
	mustRegisterRestore(t, s, "n", v)
	for i := 1; i <= 3; i++ {
		v.Set(i)
		if err := s.BackupRequested(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := readFileData(t, dir, "n"); got != "3" {
		t.Fatalf("current = %s", got)
	}
	b, err := os.ReadFile(filepath.Join(dir, "n.json.prev"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"data": 2`) {
		t.Fatalf("previous generation holds %s, want 2", b)
	}
}

func mustRegisterRestore(t *testing.T, s *store.Store, key string, p persistence.Persistable) {
	t.Helper()
	if err := s.Register(key, p); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// readFileData returns the compact data object of a module file.
func readFileData(t *testing.T, dir, key string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, key+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("%s.json: %v", key, err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, env.Data); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func readValue(t *testing.T, dir, key string) int {
	t.Helper()
	data := []byte(readFileData(t, dir, key))
	var n int
	if json.Unmarshal(data, &n) == nil {
		return n
	}
	var d struct{ Value int }
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	return d.Value
}
