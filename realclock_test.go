package rosys_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/storage"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

// stuckModule's Backup blocks until released, like a write to a dead SD
// card or a hung network file system.
type stuckModule struct {
	persistence.Tracker
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (m *stuckModule) Backup() any {
	m.once.Do(func() { close(m.entered) })
	<-m.release
	return map[string]int{}
}
func (m *stuckModule) Restore(json.RawMessage) error { return nil }

// tickCounter signals when the control loop has run n more ticks.
type tickCounter struct {
	n      atomic.Int64
	target atomic.Int64
	reach  chan struct{}
}

func (c *tickCounter) Step(time.Time, time.Duration) {
	if c.n.Add(1) == c.target.Load() {
		close(c.reach)
	}
}

// TestControlLoopRunsWhileBackupIsStuck uses the real clock: while the
// backup goroutine is stuck inside a write, the control loop must go on
// ticking. If the two were coupled, the 200 ticks would never come and the
// test would time out.
func TestControlLoopRunsWhileBackupIsStuck(t *testing.T) {
	store := openStore(t, t.TempDir())
	r := rosys.New(rosys.Config{
		ControlPeriod: 5 * time.Millisecond, BackupInterval: 10 * time.Millisecond,
		Storage: storage.New(store, nil), Log: zaptest.NewLogger(t), Notifier: nopNotifier{}, DisableRealtime: true,
	})
	stuck := &stuckModule{entered: make(chan struct{}), release: make(chan struct{})}
	ticks := &tickCounter{reach: make(chan struct{})}
	must(t, r.Add("stuck", stuck))
	must(t, r.Add("ticks", ticks))
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- r.Run(ctx) }()
	<-r.Ready()
	stuck.RequestBackup()
	<-stuck.entered // the backup goroutine is now stuck
	ticks.target.Store(ticks.n.Load() + 200)
	select {
	case <-ticks.reach:
	case <-time.After(60 * time.Second):
		t.Fatal("control loop stalled while the backup was stuck")
	}
	if b := storage.StatusOf(r).Backup; b.Cycles != 0 {
		t.Fatalf("a backup cycle completed while stuck: %+v", b)
	}
	st := r.Status()
	t.Logf("200 ticks while the backup was stuck: jitter p99 %.0f µs, max %.0f µs, overruns %d",
		st.Control.JitterP99US, st.Control.JitterMaxUS, st.Control.Overruns)
	close(stuck.release)
	cancel()
	if err := <-result; err != nil {
		t.Fatal(err)
	}
}

type hangingStopper struct{ stopped atomic.Bool }

func (h *hangingStopper) Stop(ctx context.Context) error {
	h.stopped.Store(true)
	select {} // ignores its context
}

func TestHungStopDoesNotPreventFlush(t *testing.T) {
	dir := t.TempDir()
	store := openStore(t, dir)
	r := rosys.New(rosys.Config{
		Storage: storage.New(store, nil), StopTimeout: 50 * time.Millisecond, Log: zaptest.NewLogger(t),
		Notifier: nopNotifier{}, DisableRealtime: true,
	})
	h := &hangingStopper{}
	model := persistence.NewValue(1)
	must(t, r.Add("model", model))
	must(t, r.Add("driver", h))
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- r.Run(ctx) }()
	<-r.Ready()
	model.Set(9)
	cancel()
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	if !h.stopped.Load() {
		t.Fatal("Stop was not called")
	}
	if got := fileData(t, dir, "model"); got != "9" {
		t.Fatalf("flushed %s", got)
	}
}

type nopNotifier struct{}

func (nopNotifier) Notify(string) error { return nil }

// TestSystemdNotifications listens on a real unix datagram socket as
// systemd does and checks READY, WATCHDOG and STOPPING.
func TestSystemdNotifications(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "40000") // 40 ms: pings every 20 ms
	t.Setenv("WATCHDOG_PID", "")

	r := rosys.New(rosys.Config{
		ControlPeriod: 5 * time.Millisecond, Storage: storage.New(openStore(t, t.TempDir()), nil),
		Log: zaptest.NewLogger(t), DisableRealtime: true,
	})
	must(t, r.Add("ticks", &tickCounter{reach: make(chan struct{})}))
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- r.Run(ctx) }()

	messages := make(chan string, 100)
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(messages)
				return
			}
			messages <- string(buf[:n])
		}
	}()
	expect := func(want string) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case m := <-messages:
				if m == want {
					return
				}
			case <-deadline:
				t.Fatalf("no %s from the runtime", want)
			}
		}
	}
	expect("READY=1")
	expect("WATCHDOG=1")
	expect("WATCHDOG=1")
	cancel()
	expect("STOPPING=1")
	if err := <-result; err != nil {
		t.Fatal(err)
	}
}

// TestHungStopsLeaveTheFlushItsTime: five drivers that never stop, each
// given up on after StopTimeout, must not eat the final flush's share of
// the shutdown deadline.
func TestHungStopsLeaveTheFlushItsTime(t *testing.T) {
	dir := t.TempDir()
	store := openStore(t, dir)
	r := rosys.New(rosys.Config{
		Storage: storage.New(store, nil), StopTimeout: time.Second, ShutdownTimeout: 2 * time.Second, Log: zaptest.NewLogger(t),
		Notifier: nopNotifier{}, DisableRealtime: true,
	})
	model := persistence.NewValue(1)
	must(t, r.Add("model", model))
	for i := range 5 {
		must(t, r.Add(fmt.Sprint("driver", i), &hangingStopper{}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- r.Run(ctx) }()
	<-r.Ready()
	model.Set(9)
	begin := time.Now()
	cancel()
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 3*time.Second {
		t.Fatalf("shutdown took %v with a 2 s deadline", took)
	}
	if got := fileData(t, dir, "model"); got != "9" {
		t.Fatalf("flushed %s", got)
	}
}

// Two runtimes on the real clock at once each take one more P while they
// run and give exactly that back.
func TestControlLoopPsAreGivenBack(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	a := rosys.New(rosys.Config{DisableRealtime: true, Log: zap.NewNop()})
	b := rosys.New(rosys.Config{DisableRealtime: true, Log: zap.NewNop()})
	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	doneA, doneB := make(chan error, 1), make(chan error, 1)
	go func() { doneA <- a.Run(ctxA) }()
	<-a.Ready()
	go func() { doneB <- b.Run(ctxB) }()
	<-b.Ready()
	if got := runtime.GOMAXPROCS(0); got != before+2 {
		t.Errorf("two running runtimes: GOMAXPROCS %d, want %d", got, before+2)
	}
	stopA()
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != before+1 {
		t.Errorf("one running runtime: GOMAXPROCS %d, want %d", got, before+1)
	}
	stopB()
	if err := <-doneB; err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("none running: GOMAXPROCS %d, want %d", got, before)
	}
}
