package rosystest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/storage"
	"go.uber.org/zap/zaptest"
)

// Robot is a runtime on a VirtualClock with a store in a temporary
// directory, for tests:
//
//	r := rosystest.New(t, rosys.Config{})
//	r.Add("model", model)
//	r.Start()
//	model.Set(...)
//	r.Forward(10 * time.Second) // one backup cycle, 1000 control ticks
type Robot struct {
	*rosys.Runtime
	Clock *VirtualClock
	Dir   string

	t      testing.TB
	cancel context.CancelFunc
	result chan error
}

// NoNotify is a Notifier that does nothing.
type NoNotify struct{}

// Notify implements rosys.Notifier.
func (NoNotify) Notify(string) error { return nil }

// New returns a Robot. Fields of cfg left zero get test values: a virtual
// clock, a store in a temporary directory, a test logger, no systemd, no
// real-time priority.
func New(t testing.TB, cfg rosys.Config) *Robot {
	t.Helper()
	return newIn(t, "", cfg)
}

// NewIn returns a Robot like New whose store is in dir: a data directory
// an earlier run left (Killed), restored at Start. cfg.Storage is
// replaced.
func NewIn(t testing.TB, dir string, cfg rosys.Config) *Robot {
	t.Helper()
	cfg.Storage = nil
	return newIn(t, dir, cfg)
}

func newIn(t testing.TB, dir string, cfg rosys.Config) *Robot {
	t.Helper()
	clock, ok := cfg.Clock.(*VirtualClock)
	if !ok {
		clock = NewVirtualClock()
	}
	cfg.Clock = clock
	if cfg.Storage == nil {
		if dir == "" {
			dir = t.TempDir()
		}
		cfg.Storage = storage.New(persistencetest.Open(t, dir, store.WithClock(clock.Now)), nil)
	} else if s, ok := cfg.Storage.(*storage.Service); ok {
		dir = s.Store().Dir()
	}
	if cfg.Log == nil {
		cfg.Log = zaptest.NewLogger(t)
	}
	if cfg.Notifier == nil {
		cfg.Notifier = NoNotify{}
	}
	cfg.DisableRealtime = true
	r := &Robot{Runtime: rosys.New(cfg), Clock: clock, Dir: dir, t: t}
	t.Cleanup(func() {
		if r.cancel != nil {
			r.cancel()
			<-r.result
		}
	})
	return r
}

// Start runs the runtime and returns once it is running. A start-up error
// fails the test; use StartErr to check for one.
func (r *Robot) Start() {
	r.t.Helper()
	if err := r.StartErr(); err != nil {
		r.t.Fatalf("start: %v", err)
	}
}

// StartErr runs the runtime and returns once it runs (nil) or Run failed.
func (r *Robot) StartErr() error {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.result = make(chan error, 1)
	go func() { r.result <- r.Run(ctx) }()
	select {
	case <-r.Ready():
		return nil
	case err := <-r.result:
		r.result <- err
		return err
	}
}

// Stop shuts the runtime down as SIGTERM would and returns Run's result.
func (r *Robot) Stop() error {
	r.cancel()
	err := <-r.result
	r.result <- err
	r.cancel = nil
	return err
}

// Forward advances virtual time by d, running every loop that falls due.
func (r *Robot) Forward(d time.Duration) {
	r.t.Helper()
	if err := r.Clock.Forward(d); err != nil {
		r.t.Fatal(err)
	}
}

// ForwardUntil advances virtual time until cond holds, at most by d. It
// fails the test if cond does not come true.
func (r *Robot) ForwardUntil(cond func() bool, d time.Duration) {
	r.t.Helper()
	if err := r.Clock.ForwardUntil(cond, d); err != nil {
		r.t.Fatal(err)
	}
	if !cond() {
		r.t.Fatalf("condition not met within %v of virtual time", d)
	}
}

// Store is the robot's store (nil when its storage is not a store's).
func (r *Robot) Store() *store.Store { return storage.StoreOf(r.Runtime) }

// Killed copies the data directory dir as a kill -9 leaves it (or a
// power cut after the store's last fsync): the committed files, without
// the lock, into a temporary directory of t's, whose path it returns.
// Start a Robot on it with NewIn.
func Killed(t testing.TB, dir string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || e.Name() == ".lock" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return to
}
