package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/gorosys/rosys/clock"
)

// Handle is an automation's link to the robot. Its calls are made from
// the automation's own goroutine: each blocks while the automation is
// paused and returns ctx's error once it is stopped.
type Handle struct {
	a          *Automator
	gen        uint64
	name       string
	checkpoint json.RawMessage
	timer      clock.Timer
}

// Name is the automation's registered name.
func (h *Handle) Name() string { return h.name }

// Clock is the runtime's clock.
func (h *Handle) Clock() clock.Clock { return h.a.cfg.Clock }

// Load decodes the last checkpoint into v; false when there is none (a
// fresh start).
func (h *Handle) Load(v any) (bool, error) {
	if len(h.checkpoint) == 0 {
		return false, nil
	}
	if err := json.Unmarshal(h.checkpoint, v); err != nil {
		return false, fmt.Errorf("checkpoint of %s: %w", h.name, err)
	}
	return true, nil
}

// Save stores v as the checkpoint to resume from, with progress in [0, 1],
// and asks for its backup: after a restart the automator comes back paused
// here. It blocks while paused.
func (h *Handle) Save(ctx context.Context, v any, progress float64) error {
	if err := h.Wait(ctx); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("checkpoint of %s: %w", h.name, err)
	}
	a := h.a
	a.mu.Lock()
	if h.gen != a.gen {
		a.mu.Unlock()
		return context.Canceled
	}
	a.rec.Checkpoint = b
	if !math.IsNaN(progress) {
		a.rec.Progress = math.Max(0, math.Min(1, progress))
	}
	a.rec.Updated = a.cfg.Clock.Now()
	a.mu.Unlock()
	h.checkpoint = b
	a.mod.RequestBackup()
	return nil
}

// Drive sets the automation's desired velocity (m/s, rad/s); the control
// loop applies it while the automation runs. It blocks while paused.
func (h *Handle) Drive(ctx context.Context, linear, angular float64) error {
	if err := h.Wait(ctx); err != nil {
		return err
	}
	a := h.a
	a.mu.Lock()
	defer a.mu.Unlock()
	if h.gen != a.gen {
		return context.Canceled
	}
	if a.cfg.Output != nil {
		a.cfg.Output.Set(linear, angular)
	}
	return nil
}

// Sleep waits d on the runtime's clock, then as long as the automation is
// paused.
func (h *Handle) Sleep(ctx context.Context, d time.Duration) error {
	if err := h.timer.SleepUntil(ctx, h.a.cfg.Clock.Now().Add(d), nil); err != nil {
		return err
	}
	return h.Wait(ctx)
}

// Wait blocks while the automation is paused; an error once it is
// stopped.
func (h *Handle) Wait(ctx context.Context) error { return h.a.waitRunning(ctx, h.gen, h.timer) }
