package rosys_test

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"go.uber.org/zap"
)

// slackProbe reads its thread's timer slack on its first step.
type slackProbe struct {
	once  sync.Once
	slack chan uintptr
}

func (p *slackProbe) Step(time.Time, time.Duration) {
	p.once.Do(func() {
		const prGetTimerslack = 30
		v, _, _ := syscall.RawSyscall(syscall.SYS_PRCTL, prGetTimerslack, 0, 0)
		p.slack <- v
	})
}

// Without real-time priority the control thread's sleeps would end up to
// the default 50 µs slack late; the loop sets its slack to 1 ns.
func TestControlThreadHasNoTimerSlack(t *testing.T) {
	r := rosys.New(rosys.Config{DisableRealtime: true, Log: zap.NewNop()})
	p := &slackProbe{slack: make(chan uintptr, 1)}
	must(t, r.Add("probe", p))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	if got := <-p.slack; got != 1 {
		t.Errorf("control thread's timer slack %d ns, want 1", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
