package clock_test

import (
	"context"
	"testing"
	"time"

	"github.com/gorosys/rosys/clock"
)

// Only a real clock's timer is pinned; a virtual one is handed back as it
// is, so a runtime on virtual time keeps its deterministic timer.
func TestPinOnlyRealTimers(t *testing.T) {
	vt := clock.NewVirtual().NewTimer()
	if got, ok := clock.Pin(vt); ok || got != vt {
		t.Fatalf("Pin of a virtual timer: %v, %v; want it unchanged and false", got, ok)
	}
	rt := clock.Real{}.NewTimer()
	p, ok := clock.Pin(rt)
	if !ok || p == rt {
		t.Fatalf("Pin of a real timer: %v, %v; want a pinned timer and true", p, ok)
	}
	defer p.Stop()
	at := time.Now().Add(20 * time.Millisecond)
	if err := p.SleepUntil(context.Background(), at, nil); err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); now.Before(at) {
		t.Fatalf("pinned timer woke %v early", at.Sub(now))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.SleepUntil(ctx, time.Now().Add(time.Hour), nil); err != context.Canceled {
		t.Fatalf("cancelled sleep: %v, want context.Canceled", err)
	}
}
