package fleet_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/backend/s3"
	"github.com/gorosys/rosys/persistence/fleet"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap/zaptest"
)

// robot runs a store with a mirror on root, sets model.value and commits
// gens times; clean closes the mirror as a shutdown does.
func robot(t *testing.T, srv *persistencetest.S3Server, root, name string, value float64, gens int, clean bool) *store.Store {
	t.Helper()
	ctx := context.Background()
	b, err := s3.New(root, srv.Settings())
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.OpenConfig(t.TempDir(), name, store.SimpleConfig(b), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	model := persistence.NewValue(map[string]float64{"value": 0})
	cal := persistence.NewValue(map[string]float64{"gain": 1})
	s.Register("model", model)
	s.Register("calibration", cal)
	if err := s.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	for g := range gens {
		model.Set(map[string]float64{"value": value + float64(g)})
		if err := s.BackupRequested(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Mirror().Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	model.Set(map[string]float64{"value": value + float64(gens)})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if clean {
		if err := s.Mirror().Close(ctx); err != nil {
			t.Fatal(err)
		}
	} else if err := s.Mirror().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFleetOnVersitygw(t *testing.T) {
	srv := persistencetest.StartS3(t)
	ctx := context.Background()
	robot(t, srv, "fleet/alpha", "alpha", 10, 2, true)
	robot(t, srv, "fleet/beta", "beta", 20, 1, false)
	robot(t, srv, "gamma", "gamma", 30, 1, true)
	bucket, err := s3.New("", srv.Settings())
	if err != nil {
		t.Fatal(err)
	}
	// gamma's newest manifest is damaged.
	gb, _ := s3.New("gamma", srv.Settings())
	list, _ := gb.List(ctx, "manifests/")
	newest := list[len(list)-1].Name
	if _, err := gb.Put(ctx, "manifests/000000009999.json", []byte(`{"format": "rosys-go-manifest/1", "generation": `), backend.Condition{}); err != nil {
		t.Fatal(err)
	}
	// alpha's daily backups go to the bucket too, rotated by backup_count.
	ab, _ := s3.New("fleet/alpha", srv.Settings())
	alphaStore := robot(t, srv, "fleet/alpha-spare", "alpha-spare", 1, 0, true)
	sched, err := archive.NewSchedule(alphaStore, archive.ScheduleConfig{Directory: t.TempDir(), BackupCount: 2, Robot: "alpha", Remote: ab, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	for day := 1; day <= 3; day++ {
		sched.Tick(ctx, time.Date(2026, 11, day, 4, 0, 0, 0, time.UTC))
		if st := sched.Status(); st.LastError != "" {
			t.Fatal(st.LastError)
		}
	}
	backups, _ := ab.List(ctx, archive.RemoteBackupDir)
	if len(backups) != 2 || backups[0].Name != "backups/alpha-2026-11-02.tar.gz" || backups[1].Name != "backups/alpha-2026-11-03.tar.gz" {
		t.Fatalf("remote backups after 3 days with backup_count 2: %v", backups)
	}

	robots, err := fleet.List(ctx, bucket, fleet.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]fleet.Robot{}
	for _, r := range robots {
		byName[r.Name] = r
	}
	if len(robots) != 4 {
		t.Fatalf("robots %+v", robots)
	}
	a, b, g := byName["alpha"], byName["beta"], byName["gamma"]
	if a.Root != "fleet/alpha" || !a.CleanShutdown || a.Generation < 3 || a.Modules != 2 || a.LastDailyBackup != "alpha-2026-11-03.tar.gz" || a.Damaged != "" || a.Host == "" || a.LastCommit.IsZero() {
		t.Fatalf("alpha %+v", a)
	}
	if b.Root != "fleet/beta" || b.CleanShutdown || b.Damaged != "" || b.LastDailyBackup != "" {
		t.Fatalf("beta %+v", b)
	}
	if !strings.Contains(g.Damaged, "000000009999.json") || !strings.Contains(g.Damaged, "unexpected end of JSON") || g.Generation == 0 {
		t.Fatalf("gamma should be damaged with the reason, and show its newest good generation: %+v (newest good %s)", g, newest)
	}

	// Restore alpha onto a replacement board.
	dir := t.TempDir()
	var calls int
	res, err := fleet.Restore(ctx, bucket, a, fleet.RestoreOptions{Dir: dir, Now: time.Now(),
		Progress: func(done, total int64, dm, tm int) { calls++ }}, fleet.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if res.Generation != a.Generation || len(res.Modules) != 2 || calls != 2 {
		t.Fatalf("%+v, %d progress calls", res, calls)
	}
	if v := persistencetest.StoredValue(t, dir, "model"); v != 12 {
		t.Fatalf("restored value %v, want alpha's last 12", v)
	}
	// Into a directory with module files: refused without force.
	if _, err := fleet.Restore(ctx, bucket, byName["beta"], fleet.RestoreOptions{Dir: dir, Now: time.Now()}, fleet.DefaultLimits); !errors.Is(err, fleet.ErrNotEmpty) {
		t.Fatalf("non-empty dir: %v", err)
	}
	if v := persistencetest.StoredValue(t, dir, "model"); v != 12 {
		t.Fatalf("refused restore changed the value to %v", v)
	}
	// An older generation, forced: the previous state becomes a rollback.
	res, err = fleet.Restore(ctx, bucket, a, fleet.RestoreOptions{Dir: dir, Force: true, Generation: 1, Now: time.Now()}, fleet.DefaultLimits)
	if err != nil || res.Rollback == "" {
		t.Fatalf("%+v %v", res, err)
	}
	if v := persistencetest.StoredValue(t, dir, "model"); v != 10 {
		t.Fatalf("generation 1 restored %v, want 10", v)
	}
	// A generation that does not exist: an error, nothing changes.
	if _, err := fleet.Restore(ctx, bucket, a, fleet.RestoreOptions{Dir: dir, Force: true, Generation: 4242}, fleet.DefaultLimits); !errors.Is(err, fleet.ErrNoGeneration) {
		t.Fatalf("missing generation: %v", err)
	}
	// A damaged object: refused, nothing written.
	obj := "snapshots/model/000000000001.json"
	if _, err := ab.Put(ctx, obj, []byte(`{"tampered": true}`), backend.Condition{}); err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	if _, err := fleet.Restore(ctx, bucket, a, fleet.RestoreOptions{Dir: fresh, Generation: 1}, fleet.DefaultLimits); err == nil || !strings.Contains(err.Error(), "nothing written") {
		t.Fatalf("tampered object: %v", err)
	}
	if names, _ := filepath.Glob(filepath.Join(fresh, "*.json")); len(names) != 0 {
		t.Fatalf("files written after a failed restore: %v", names)
	}
	if _, err := fleet.Find(ctx, bucket, "delta", fleet.DefaultLimits); !errors.Is(err, fleet.ErrNoRobot) {
		t.Fatalf("unknown robot: %v", err)
	}
}

// A replacement board is refused the root while the lease names the old
// board; TakeOver hands the lease to it, and its mirror then uploads.
func TestTakeOverOnVersitygw(t *testing.T) {
	srv := persistencetest.StartS3(t)
	ctx := context.Background()
	robot(t, srv, "fleet/alpha", "alpha", 10, 1, true)
	bucket, _ := s3.New("", srv.Settings())
	ab, _ := s3.New("fleet/alpha", srv.Settings())
	// The old board: the lease names another machine.
	old := `{"robot": "alpha", "host": "old-board/0123", "boot_id": "x", "acquired_at": "2026-11-01T00:00:00Z"}`
	if _, err := ab.Put(ctx, mirror.LeaseName, []byte(old), backend.Condition{}); err != nil {
		t.Fatal(err)
	}
	model := persistence.NewValue(map[string]float64{"value": 0})
	newBoard := func() *store.Store {
		s, err := store.OpenConfig(t.TempDir(), "alpha", store.SimpleConfig(ab), zaptest.NewLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		s.Register("model", model)
		return s
	}
	s := newBoard()
	if err := s.Restore(ctx); err != nil && !errors.Is(err, mirror.ErrLeaseHeld) {
		t.Fatal(err)
	}
	if err := s.Mirror().Sync(ctx); !errors.Is(err, mirror.ErrLeaseHeld) || !strings.Contains(err.Error(), "old-board/0123") {
		t.Fatalf("new board before the take-over: %v", err)
	}
	s.Close()

	robots, _ := fleet.List(ctx, bucket, fleet.DefaultLimits)
	from, err := fleet.TakeOver(ctx, bucket, robots[0], mirror.HostID(), time.Now())
	if err != nil || from.Host != "old-board/0123" || from.Robot != "alpha" {
		t.Fatalf("take-over: %+v %v", from, err)
	}
	gen := robots[0].Generation
	s = newBoard()
	if err := s.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	if v := model.Get()["value"]; v != 11 {
		t.Fatalf("the new board recovered %v, want alpha's last 11", v)
	}
	model.Set(map[string]float64{"value": 42})
	if err := s.BackupRequested(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Mirror().Sync(ctx); err != nil {
		t.Fatalf("new board after the take-over: %v", err)
	}
	if st := s.Mirror().Status(); st.Blocked || st.Generation <= gen {
		t.Fatalf("mirror after the take-over: %+v (old generation %d)", st, gen)
	}
	// Again: the lease already names this machine.
	if from, err := fleet.TakeOver(ctx, bucket, robots[0], mirror.HostID(), time.Now()); err != nil || from.Host != mirror.HostID() {
		t.Fatalf("second take-over: %+v %v", from, err)
	}
	// No lease, or one that does not read.
	if err := ab.Delete(ctx, mirror.LeaseName); err != nil {
		t.Fatal(err)
	}
	if _, err := fleet.TakeOver(ctx, bucket, robots[0], "h", time.Now()); !errors.Is(err, mirror.ErrNoLease) {
		t.Fatalf("no lease: %v", err)
	}
	ab.Put(ctx, mirror.LeaseName, []byte("{broken"), backend.Condition{})
	if _, err := fleet.TakeOver(ctx, bucket, robots[0], "h", time.Now()); err == nil || !strings.Contains(err.Error(), "does not read") {
		t.Fatalf("broken lease: %v", err)
	}
	if b, _, _ := ab.Get(ctx, mirror.LeaseName); string(b) != "{broken" {
		t.Fatalf("a broken lease was overwritten: %s", b)
	}
}

// A robot that splits metadata and snapshot storage: its manifests say
// where the states are, and a fleet restore fetches them from there; one
// whose snapshots are not in the bucket is refused with where they are.
func TestRestoreSplitStorage(t *testing.T) {
	srv := persistencetest.StartS3(t)
	ctx := context.Background()
	bucket, _ := s3.New("", srv.Settings())
	meta, _ := s3.New("split/meta", srv.Settings())
	snaps, _ := s3.New("split/states", srv.Settings())
	local, err := backend.NewFilesystem(vfs.OS{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	meta2, _ := s3.New("split/meta2", srv.Settings())
	for _, c := range []struct {
		name        string
		meta, snaps backend.Backend
	}{{"split", meta, snaps}, {"local-states", meta2, local}} {
		cfg := store.SimpleConfig(c.meta)
		cfg.SnapshotStorage = c.snaps
		s, err := store.OpenConfig(t.TempDir(), c.name, cfg, zaptest.NewLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		model := persistence.NewValue(map[string]float64{"value": 0})
		s.Register("model", model)
		if err := s.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		model.Set(map[string]float64{"value": 7})
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Mirror().Close(ctx); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	if objs, _ := meta.List(ctx, "snapshots/"); len(objs) != 0 {
		t.Fatalf("states under the metadata root: %v", objs)
	}
	r, err := fleet.Find(ctx, bucket, "split", fleet.DefaultLimits)
	if err != nil || r.Root != "split/meta" {
		t.Fatalf("%+v %v", r, err)
	}
	dir := t.TempDir()
	if _, err := fleet.Restore(ctx, bucket, r, fleet.RestoreOptions{Dir: dir, Now: time.Now()}, fleet.DefaultLimits); err != nil {
		t.Fatal(err)
	}
	if v := persistencetest.StoredValue(t, dir, "model"); v != 7 {
		t.Fatalf("restored %v", v)
	}
	r2, err := fleet.Find(ctx, bucket, "local-states", fleet.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	if _, err := fleet.Restore(ctx, bucket, r2, fleet.RestoreOptions{Dir: fresh, Now: time.Now()}, fleet.DefaultLimits); !errors.Is(err, fleet.ErrElsewhere) || !strings.Contains(err.Error(), local.String()) {
		t.Fatalf("states outside the bucket: %v", err)
	}
	if names, _ := filepath.Glob(filepath.Join(fresh, "*.json")); len(names) != 0 {
		t.Fatalf("files written: %v", names)
	}
}
