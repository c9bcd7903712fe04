package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
)

// gateFS holds every link into the history until release is closed, and
// says on entered when the first one arrived.
type gateFS struct {
	vfs.FS
	entered chan struct{}
	release chan struct{}
	first   bool
}

func (g *gateFS) Link(oldpath, newpath string) error {
	if strings.Contains(newpath, string(filepath.Separator)+history.Dir+string(filepath.Separator)) {
		if !g.first {
			g.first = true
			close(g.entered)
		}
		<-g.release
	}
	return g.FS.Link(oldpath, newpath)
}

// A cycle returns, and WaitDurable wakes, at the commit's durable point:
// the history's link (held here) comes after, off that path. Readers of
// the history and the next cycle wait for it, so they never see a
// history behind a commit.
func TestWaitDurableDoesNotWaitForHistory(t *testing.T) {
	g := &gateFS{FS: vfs.OS{}, entered: make(chan struct{}), release: make(chan struct{})}
	s, v := openWithHistory(t, t.TempDir(), store.WithFS(g))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a bound on failure, not a wait
	defer cancel()
	v.Set(gen{1})
	cycle := make(chan error, 1)
	go func() { cycle <- s.BackupRequested(ctx) }()
	select { // returns while the link is held
	case err := <-cycle:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("the cycle waited for the history")
	}
	if err := s.WaitDurable(ctx, "odometry"); err != nil {
		t.Fatal(err)
	}
	if got := storedGen(t, s.Path("odometry")); got != 1 {
		t.Fatalf("file holds %d, want 1", got)
	}
	<-g.entered // the history's record is under way, and held
	done, stop := context.WithCancel(context.Background())
	stop()
	if err := s.HistorySettled(done); err == nil {
		t.Fatal("HistorySettled reported a held record as settled")
	}
	close(g.release)
	if err := s.HistorySettled(ctx); err != nil {
		t.Fatal(err)
	}
	vs, err := s.History("odometry")
	if err != nil || len(vs) != 1 || vs[0].Version != 1 {
		t.Fatalf("history %+v, %v; want version 1", vs, err)
	}
	// The next cycle's version follows; History waits by itself.
	v.Set(gen{2})
	if err := s.BackupRequested(ctx); err != nil {
		t.Fatal(err)
	}
	if vs, err = s.History("odometry"); err != nil || len(vs) != 2 || vs[1].Version != 2 {
		t.Fatalf("history %+v, %v; want versions 1 and 2", vs, err)
	}
	if _, data, err := s.VersionData("odometry", 2); err != nil || !strings.Contains(string(data), "2") {
		t.Fatalf("version 2: %s, %v", data, err)
	}
}
