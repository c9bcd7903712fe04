package mirror_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/backend/s3"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

var histBounds = history.Config{Default: history.Bounds{Keep: 3, MaxAge: time.Hour * 1000, MaxBytes: 1 << 30}}

// historyRobot is a store with history and a mirror on b.
func historyRobot(t *testing.T, dir string, b backend.Backend) (*store.Store, *mirror.Mirror, *persistence.Value[map[string]float64]) {
	t.Helper()
	m, err := mirror.New(mirror.Config{Metadata: b, Snapshots: b, Robot: "demo", Host: "board", KeepGenerations: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := persistencetest.Open(t, dir, store.WithMirror(m), store.WithHistory(histBounds))
	v := persistence.NewValue(map[string]float64{"value": 0})
	if err := s.Register("model", v); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, m, v
}

func remoteHistory(t *testing.T, b backend.Backend) []string {
	t.Helper()
	objs, err := b.List(context.Background(), "history/model/")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		out = append(out, o.Name)
	}
	return out
}

// Against a real S3 server (versitygw): the history goes to the bucket
// within the local bounds, and a replaced board (a fresh disk, the same
// bucket) has the module's history and goes on numbering after it; a
// restore there works and is itself a new version.
func TestHistoryKeptInS3AndRecoveredOnAFreshBoard(t *testing.T) {
	srv := persistencetest.StartS3(t)
	b, err := s3.New("robots/history", srv.Settings())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, m, v := historyRobot(t, t.TempDir(), b)
	for i := 1; i <= 5; i++ {
		v.Set(map[string]float64{"value": float64(i)})
		if err := s.BackupRequested(ctx); err != nil {
			t.Fatal(err)
		}
		if err := m.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"history/model/000000000003.json", "history/model/000000000004.json", "history/model/000000000005.json"}
	if got := remoteHistory(t, b); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("remote history %v, want %v (pruned to the local bounds)", got, want)
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// The board is replaced: a fresh disk.
	s2, m2, v2 := historyRobot(t, t.TempDir(), b)
	if v2.Get()["value"] != 5 {
		t.Fatalf("recovered %v", v2.Get())
	}
	vs, err := s2.History("model")
	if err != nil || len(vs) != 3 || vs[0].Version != 3 || vs[2].Version != 5 {
		t.Fatalf("history on the new board: %+v %v", vs, err)
	}
	_, data, err := s2.VersionData("model", 3)
	if err != nil || string(data) == "" {
		t.Fatalf("version 3 on the new board: %s %v", data, err)
	}
	from, to, err := s2.RestoreVersion(ctx, "model", history.Selector{Version: 3})
	if err != nil || from.Version != 3 || to.Version != 6 {
		t.Fatalf("restore on the new board: %d -> %d, %v", from.Version, to.Version, err)
	}
	if v2.Get()["value"] != 3 {
		t.Fatalf("after restoring version 3: %v", v2.Get())
	}
	if err := m2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	want = []string{"history/model/000000000004.json", "history/model/000000000005.json", "history/model/000000000006.json"}
	if got := remoteHistory(t, b); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("remote history after the restore %v, want %v", got, want)
	}
	// Old generations are still collected as before; history objects are not snapshots.
	objs, _ := b.List(ctx, "snapshots/")
	if len(objs) == 0 || len(objs) > 6 {
		t.Fatalf("snapshot objects %d", len(objs))
	}
}
