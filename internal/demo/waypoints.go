package demo

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/driving"
)

// Waypoints is the persistent module "waypoints": the points the
// automation "waypoints" drives to, in order, in metres in the odometry
// frame.
type Waypoints struct {
	Points []driving.Point `json:"points"`
}

// DefaultWaypoints is a 1 m square, back to the start.
func DefaultWaypoints() Waypoints {
	return Waypoints{Points: []driving.Point{{X: 1, Y: 0}, {X: 1, Y: 1}, {X: 0, Y: 1}, {X: 0, Y: 0}}}
}

// Bounds of the waypoint list: a field robot's odometry frame spans
// kilometres at most, and the list is edited by hand.
const (
	maxWaypoints     = 10000
	maxWaypointCoord = 100000.0 // m
)

// Validate refuses lists the automation cannot drive: too many points, or
// coordinates that are not finite or absurdly far.
func (w Waypoints) Validate() error {
	if len(w.Points) > maxWaypoints {
		return fmt.Errorf("points: %d waypoints, at most %d", len(w.Points), maxWaypoints)
	}
	for i, p := range w.Points {
		// Written so that NaN is refused too.
		if !(math.Abs(p.X) <= maxWaypointCoord && math.Abs(p.Y) <= maxWaypointCoord) {
			return fmt.Errorf("points[%d]: (%v, %v) is not within %g m of the origin", i, p.X, p.Y, maxWaypointCoord)
		}
	}
	return nil
}

// WaypointCheckpoint is what the automation saves after each waypoint.
type WaypointCheckpoint struct {
	// Next is the index of the waypoint to drive to next.
	Next int `json:"next"`
}

// driveWaypoints drives to every waypoint from the checkpoint on, in
// straight lines, saving a checkpoint at each.
func (r *Robot) driveWaypoints(ctx context.Context, h *automation.Handle) error {
	var cp WaypointCheckpoint
	if _, err := h.Load(&cp); err != nil {
		return err
	}
	pts := r.Waypoints.Get().Points
	if len(pts) == 0 {
		return errors.New("no waypoints: PUT {\"points\": [{\"x\": 1, \"y\": 0}, ...]} to /api/modules/waypoints")
	}
	if cp.Next < 0 || cp.Next > len(pts) {
		return fmt.Errorf("checkpoint names waypoint %d of %d", cp.Next, len(pts))
	}
	for i := cp.Next; i < len(pts); i++ {
		if err := h.Wait(ctx); err != nil {
			return err
		}
		if err := r.Driver.DriveTo(ctx, pts[i]); err != nil {
			return fmt.Errorf("to waypoint %d (%g, %g): %w", i, pts[i].X, pts[i].Y, err)
		}
		if err := h.Save(ctx, WaypointCheckpoint{Next: i + 1}, float64(i+1)/float64(len(pts))); err != nil {
			return err
		}
	}
	return nil
}
