package navigate

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/pathplanning"
	"go.uber.org/zap"
)

// follow drives p, watching the World: an obstacle put across the rest of
// the path stops the robot and follow reports replan.
//
// The watcher stops the Driver by cancelling the context Follow runs
// under, not by Driver.Abort: an abort that came before Follow began (a
// change between the search and the start, seen at the watcher's first
// look) was lost, and the robot drove the old path into the obstacle. A
// cancelled context is still cancelled when Follow begins.
func (n *Navigator) follow(ctx context.Context, p *planned) (replan bool, err error) {
	w := n.cfg.World
	seen := p.version // a change since the search is checked at once
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	n.cfg.Clock.Go(func() {
		timer := n.cfg.Clock.NewTimer()
		defer timer.Stop()
		for {
			// Sleeping on the map's own change channel (closed at a change):
			// a virtual clock sees the wake-up before it moves time on.
			changed := w.Changed()
			if m, v := w.Snapshot(); v != seen {
				seen = v
				if err := n.blocked(m, p.path); err != nil {
					n.log.Info("path blocked", zap.Error(err))
					stop(errPathBlocked)
					return
				}
			}
			if err := timer.SleepUntil(runCtx, n.cfg.Clock.Now().Add(24*time.Hour), changed); err != nil {
				return
			}
		}
	})
	err = n.cfg.Driver.Follow(runCtx, p.path)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(runCtx), errPathBlocked) {
		return true, driving.ErrAborted
	}
	return false, err
}

// errPathBlocked is the cause with which follow's watcher stops the Driver.
var errPathBlocked = errors.New("an obstacle is across the path")

// blocked checks the rest of path (from the segment the robot is on)
// against m.
func (n *Navigator) blocked(m pathplanning.Map, path driving.Path) error {
	pose := n.cfg.Pose()
	best, bestD := 0, math.Inf(1)
	for i, s := range path {
		for k := 0; k <= 16; k++ {
			q := s.At(float64(k) / 16)
			if d := math.Hypot(q.X-pose.X, q.Y-pose.Y); d < bestD {
				best, bestD = i, d
			}
		}
	}
	return pathplanning.Check(m, n.cfg.Shape, path[best:], pathplanning.CheckStep)
}

// waitStanding waits until the wheels stand (at most 5 s) after a stop.
func (n *Navigator) waitStanding(ctx context.Context, h *automation.Handle) error {
	if n.cfg.Moving == nil {
		return nil
	}
	for i := 0; i < 100 && n.cfg.Moving(); i++ {
		if err := h.Sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}
