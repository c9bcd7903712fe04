package mirror_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/backend/s3"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

// robot is one run of a robot: a store on a local directory, mirrored to
// meta and snap.
type robot struct {
	store  *store.Store
	mirror *mirror.Mirror
	model  *persistence.Value[map[string]float64]
	calib  *persistence.Value[calib]
}

type calib struct {
	Gain   float64 `json:"gain"`
	Offset float64 `json:"offset"`
}

func startRobot(t *testing.T, dir string, meta, snap backend.Backend, host string) *robot {
	t.Helper()
	m, err := mirror.New(mirror.Config{Metadata: meta, Snapshots: snap, Robot: "demo", Host: host, KeepGenerations: 3})
	if err != nil {
		t.Fatal(err)
	}
	r := &robot{mirror: m, store: persistencetest.Open(t, dir, store.WithMirror(m)),
		model: persistence.NewValue(map[string]float64{"value": 1}), calib: persistence.NewValue(calib{Gain: 1})}
	if err := r.store.Register("model", r.model); err != nil {
		t.Fatal(err)
	}
	if err := r.store.Register("calibration", r.calib); err != nil {
		t.Fatal(err)
	}
	if err := r.store.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *robot) commit(t *testing.T) {
	t.Helper()
	if err := r.store.BackupRequested(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func manifestOf(t *testing.T, meta backend.Backend, gen string) map[string]any {
	t.Helper()
	b, _, err := meta.Get(context.Background(), "manifests/"+gen+".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func TestMirrorUploadsAndFreshDiskRecovers(t *testing.T) {
	ctx := context.Background()
	meta, snap := backend.NewMemory(), backend.NewMemory()
	a := startRobot(t, t.TempDir(), meta, snap, "host-a")
	a.model.Set(map[string]float64{"value": 7.5})
	a.commit(t)
	if err := a.mirror.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	m1 := manifestOf(t, meta, "000000000001")
	mods := m1["modules"].(map[string]any)
	if len(mods) != 1 || mods["model"].(map[string]any)["object"] != "snapshots/model/000000000001.json" || m1["clean_shutdown"] != false {
		t.Fatalf("generation 1: %v", m1)
	}
	a.calib.Set(calib{Gain: 3})
	a.commit(t)
	if err := a.mirror.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// Only the module that changed was uploaded again.
	objs, _ := snap.List(ctx, "snapshots/")
	if len(objs) != 2 {
		t.Fatalf("objects %v", objs)
	}
	if err := a.store.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.mirror.Close(ctx); err != nil {
		t.Fatal(err)
	}
	a.store.Close()
	if m := manifestOf(t, meta, "000000000003"); m["clean_shutdown"] != true {
		t.Fatalf("final manifest %v", m)
	}

	// The same robot on a fresh disk restores from remote storage alone.
	b := startRobot(t, t.TempDir(), meta, snap, "host-a")
	if b.model.Get()["value"] != 7.5 || b.calib.Get().Gain != 3 {
		t.Fatalf("recovered %v %+v", b.model.Get(), b.calib.Get())
	}
	st, _ := b.store.ModuleStatus("model")
	if st.RestoredFrom != persistence.FromRemote || b.mirror.Status().Recovered["model"] != 3 {
		t.Fatalf("status %+v mirror %+v", st, b.mirror.Status())
	}
	if p := b.mirror.Status().Pending; len(p) != 0 {
		t.Fatalf("recovered modules marked pending: %v", p)
	}
}

func TestMirrorFallsBackToAnOlderGeneration(t *testing.T) {
	ctx := context.Background()
	meta, snap := backend.NewMemory(), backend.NewMemory()
	a := startRobot(t, t.TempDir(), meta, snap, "host-a")
	for _, v := range []float64{2, 3} {
		a.model.Set(map[string]float64{"value": v})
		a.commit(t)
		if err := a.mirror.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	a.store.Close()
	// Bit rot in the newest object.
	_, _ = snap.Put(ctx, "snapshots/model/000000000002.json", []byte(`{"garbage`), backend.Condition{})
	b := startRobot(t, t.TempDir(), meta, snap, "host-a")
	if got := b.model.Get()["value"]; got != 2 {
		t.Fatalf("recovered %v, want the older generation's 2", got)
	}
}

func TestMirrorRefusesASecondRobot(t *testing.T) {
	meta, snap := backend.NewMemory(), backend.NewMemory()
	a := startRobot(t, t.TempDir(), meta, snap, "host-a")
	a.commit(t)
	b := startRobot(t, t.TempDir(), meta, snap, "host-b") // misconfigured: same root
	b.model.Set(map[string]float64{"value": 99})
	b.commit(t) // committed locally all the same
	err := b.mirror.Sync(context.Background())
	st := b.mirror.Status()
	if !errors.Is(err, mirror.ErrLeaseHeld) || !st.Blocked || !strings.Contains(st.LastError, `robot "demo" on host "host-a"`) {
		t.Fatalf("%v %+v", err, st)
	}
	if objs, _ := snap.List(context.Background(), "snapshots/"); len(objs) != 0 {
		t.Fatalf("second robot wrote %v", objs)
	}
	// The first robot, restarted on its machine, takes its lease back.
	a.store.Close()
	c := startRobot(t, t.TempDir(), meta, snap, "host-a")
	c.model.Set(map[string]float64{"value": 5})
	c.commit(t)
	if err := c.mirror.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestMirrorBacklogWhileDown(t *testing.T) {
	ctx := context.Background()
	mem := backend.NewMemory()
	down := &persistencetest.Flaky{Backend: mem}
	dir := t.TempDir()
	a := startRobot(t, dir, down, down, "host-a")
	down.Down.Store(true)
	for v := 1.0; v <= 5; v++ {
		a.model.Set(map[string]float64{"value": v})
		a.commit(t) // the robot goes on committing locally
		if err := a.mirror.Sync(ctx); !errors.Is(err, persistencetest.ErrDown) {
			t.Fatalf("sync while down: %v", err)
		}
	}
	st := a.mirror.Status()
	if strings.Join(st.Pending, ",") != "model" || st.BehindSince.IsZero() || st.Failures != 5 || !strings.Contains(st.LastError, "down") ||
		a.mirror.NextTry().IsZero() {
		t.Fatalf("status while down %+v", st)
	}
	// A restart while still down: the backlog is found again from the
	// local files.
	a.store.Close()
	b := startRobot(t, dir, down, down, "host-a")
	if b.model.Get()["value"] != 5 {
		t.Fatal(b.model.Get())
	}
	down.Down.Store(false)
	if err := b.mirror.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if st := b.mirror.Status(); len(st.Pending) != 0 || st.Generation != 1 || st.LastError != "" {
		t.Fatalf("after the bucket came back %+v", st)
	}
	b.store.Close()
	c := startRobot(t, t.TempDir(), mem, mem, "host-a")
	if c.model.Get()["value"] != 5 {
		t.Fatalf("remote holds %v", c.model.Get())
	}
}

func TestMirrorKeepsGenerations(t *testing.T) {
	ctx := context.Background()
	meta, snap := backend.NewMemory(), backend.NewMemory()
	a := startRobot(t, t.TempDir(), meta, snap, "host-a")
	for v := 1.0; v <= 6; v++ {
		a.model.Set(map[string]float64{"value": v})
		a.commit(t)
		if err := a.mirror.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mans, _ := meta.List(ctx, "manifests/")
	objs, _ := snap.List(ctx, "snapshots/")
	if len(mans) != 3 || len(objs) != 3 || mans[0].Name != "manifests/000000000004.json" {
		t.Fatalf("manifests %v objects %v", mans, objs)
	}
	// Collection runs once per KeepGenerations uploads: two more uploads
	// keep five generations, never fewer than three.
	for v := 7.0; v <= 8; v++ {
		a.model.Set(map[string]float64{"value": v})
		a.commit(t)
		if err := a.mirror.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mans, _ = meta.List(ctx, "manifests/")
	if len(mans) != 5 || mans[0].Name != "manifests/000000000004.json" || mans[4].Name != "manifests/000000000008.json" {
		t.Fatalf("after 8 uploads: manifests %v", mans)
	}
	a.store.Close()
	b := startRobot(t, t.TempDir(), meta, snap, "host-a")
	if v := b.model.Get()["value"]; v != 8 {
		t.Fatalf("recovered %v, want 8", v)
	}
}

func TestMirrorOnS3(t *testing.T) {
	srv := persistencetest.StartS3(t)
	ctx := context.Background()
	s3b, err := s3.New("robots/demo", srv.Settings())
	if err != nil {
		t.Fatal(err)
	}
	a := startRobot(t, t.TempDir(), s3b, s3b, "host-a")
	a.model.Set(map[string]float64{"value": 4.5})
	a.commit(t)
	if err := a.mirror.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// The server stops mid-run: commits go on locally, then the backlog
	// goes up when it is back.
	srv.Stop()
	a.model.Set(map[string]float64{"value": 5.5})
	a.commit(t)
	if err := a.mirror.Sync(ctx); err == nil {
		t.Fatal("sync succeeded with the server down")
	}
	if p := a.mirror.Status().Pending; len(p) != 1 {
		t.Fatalf("pending %v", p)
	}
	srv.Start()
	if err := a.mirror.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	a.store.Close()
	b := startRobot(t, t.TempDir(), s3b, s3b, "host-a")
	if b.model.Get()["value"] != 5.5 {
		t.Fatalf("fresh disk restored %v from S3", b.model.Get())
	}
	// Two robots on one root: the second is refused.
	c := startRobot(t, t.TempDir(), s3b, s3b, "host-c")
	c.model.Set(map[string]float64{"value": 1})
	c.commit(t)
	if err := c.mirror.Sync(ctx); !errors.Is(err, mirror.ErrLeaseHeld) {
		t.Fatalf("second writer: %v", err)
	}
	if got, _, _ := s3b.Get(ctx, "manifests/000000000003.json"); got != nil {
		t.Fatal("the second writer wrote a manifest")
	}
}

func TestMirrorUploadsJournalSegments(t *testing.T) {
	ctx := context.Background()
	meta, snap := backend.NewMemory(), backend.NewMemory()
	dir := t.TempDir()
	a := startRobot(t, dir, meta, snap, "host-a")
	j, err := journal.Open(journal.Config{Dir: dir + "/journal", SegmentSize: 256, MaxBytes: 2048, OnRotate: a.mirror.SegmentClosed})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		j.Record("lizard", journal.RecordInput, []byte(strings.Repeat("x", 20)+string(rune('a'+i%26))))
	}
	j.Close()
	if err := a.mirror.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	remote, _ := snap.List(ctx, "journal/")
	local, _ := os.ReadDir(dir + "/journal")
	// Every closed segment is up; the newest waits for a clean shutdown.
	if len(remote) != len(local)-1 || len(remote) == 0 {
		t.Fatalf("remote %d segments, local %d", len(remote), len(local))
	}
	if err := a.mirror.Close(ctx); err != nil {
		t.Fatal(err)
	}
	remote, _ = snap.List(ctx, "journal/")
	if len(remote) != len(local) || a.mirror.Status().JournalSegments != len(local) {
		t.Fatalf("after a clean shutdown: remote %d, local %d", len(remote), len(local))
	}
	// The remote copy reads like the local journal.
	b, _, _ := snap.Get(ctx, remote[0].Name)
	lb, _ := os.ReadFile(filepath.Join(dir, "journal", local[0].Name()))
	if !bytes.Equal(b, lb) {
		t.Fatal("remote segment differs")
	}
}

// A manifest of a newer program in metadata storage stops uploads: the
// mirror never builds on an older generation over it.
func TestMirrorStopsAtNewerManifest(t *testing.T) {
	ctx := context.Background()
	meta, snap := backend.NewMemory(), backend.NewMemory()
	newer := []byte(`{"format":"rosys-go-manifest/2","generation":7,"modules":{}}`)
	if _, err := meta.Put(ctx, "manifests/000000000007.json", newer, backend.Condition{}); err != nil {
		t.Fatal(err)
	}
	r := startRobot(t, t.TempDir(), meta, snap, "host-a")
	r.model.Set(map[string]float64{"value": 2})
	r.commit(t)
	err := r.mirror.Sync(ctx)
	if !errors.Is(err, store.ErrUnknownFormat) {
		t.Fatalf("Sync = %v, want ErrUnknownFormat", err)
	}
	if st := r.mirror.Status(); !st.Blocked || !strings.Contains(st.LastError, "rosys-go-manifest/2") {
		t.Fatalf("mirror status %+v", st)
	}
	list, _ := meta.List(ctx, "manifests/")
	if len(list) != 1 {
		t.Fatalf("manifests written beside the newer one: %v", list)
	}
	if b, _, _ := meta.Get(ctx, "manifests/000000000007.json"); !bytes.Equal(b, newer) {
		t.Fatal("the newer manifest changed")
	}
}
