package rosys_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/rosystest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

type quickStop struct{ stopped chan struct{} }

func (q *quickStop) Stop(context.Context) error { close(q.stopped); return nil }

// A shutdown hook that uses up the time before the final flush (the HTTP
// server waiting for slow clients did) must not make the modules' quick
// Stops look given up: issue 12's false "stop odometer: gave up".
func TestQuickStopAfterSlowHookIsNotGivenUp(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	r := rosystest.New(t, rosys.Config{Log: zap.New(core), ShutdownTimeout: 400 * time.Millisecond})
	odo := &quickStop{stopped: make(chan struct{})}
	must(t, r.Add("odometer", odo))
	r.OnShutdown(func(ctx context.Context) { <-ctx.Done() }) // uses all its time
	r.Start()
	must(t, r.Stop())
	select {
	case <-odo.stopped:
	default:
		t.Fatal("odometer not stopped")
	}
	for _, e := range logs.All() {
		if e.Message == "stop failed" || strings.Contains(fmt.Sprint(e.ContextMap()), "gave up") {
			t.Fatalf("false report: %s %v", e.Message, e.ContextMap())
		}
	}
}
