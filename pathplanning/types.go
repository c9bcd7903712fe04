package pathplanning

import (
	"fmt"
	"math"
	"slices"

	"github.com/gorosys/rosys/driving"
)

// Point is a position in metres in the map's frame (the odometry frame).
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Obstacle is a region the robot must not touch: a closed outline.
type Obstacle struct {
	ID      string  `json:"id"`
	Outline []Point `json:"outline"`
}

// Area is a region the robot may drive in: a closed outline. Type, Color
// and Closed are RoSys's (the dashboard's) and kept as given; Type also
// selects which areas are accessible (Options.AccessibleTypes). An area
// with fewer than three points is ignored (RoSys's half-drawn area).
type Area struct {
	ID      string  `json:"id"`
	Type    string  `json:"type"`
	Color   string  `json:"color"`
	Closed  bool    `json:"closed"`
	Outline []Point `json:"outline"`
}

// Map is what the robot plans in, in the shape of RoSys's path planner
// module: obstacles and areas by id. Without accessible areas the whole
// plane is accessible; with them, the robot must stay inside their union.
type Map struct {
	Obstacles map[string]Obstacle `json:"obstacles"`
	Areas     map[string]Area     `json:"areas"`
}

// Shape is the robot's outline in its own frame (x forward, y left, metres,
// around the point the pose gives), a simple polygon.
type Shape struct {
	Outline []Point `json:"outline"`
}

// DefaultShape is RoSys's default robot shape: a 1 m square with a 25 cm
// nose in front.
func DefaultShape() Shape {
	return Shape{Outline: []Point{{-0.5, -0.5}, {0.5, -0.5}, {0.75, 0}, {0.5, 0.5}, {-0.5, 0.5}}}
}

// Validate reports a shape the planner cannot use.
func (s Shape) Validate() error {
	if len(s.Outline) < 3 {
		return fmt.Errorf("robot shape: %d points, at least 3 needed", len(s.Outline))
	}
	if len(s.Outline) > MaxOutlinePoints {
		return fmt.Errorf("robot shape: %d points, at most %d", len(s.Outline), MaxOutlinePoints)
	}
	for i, p := range s.Outline {
		if !finite(p.X) || !finite(p.Y) || math.Abs(p.X) > 100 || math.Abs(p.Y) > 100 {
			return fmt.Errorf("robot shape: point %d (%g, %g) is not finite or beyond 100 m", i, p.X, p.Y)
		}
	}
	if math.Abs(signedArea(s.Outline)) < 1e-6 {
		return fmt.Errorf("robot shape: the outline encloses no area")
	}
	return nil
}

// MaxOutlinePoints bounds every outline (shape, obstacle, area), and
// MaxMapPoints all the map's outlines together.
const (
	MaxOutlinePoints = 10_000
	MaxMapPoints     = 1_000_000
)

// Validate reports a map the planner cannot use, naming the outline: points
// that are not finite or beyond 1000 km, an obstacle with fewer than three
// points, too many points in an outline or in all.
func (m Map) Validate() error {
	total := 0
	for _, o := range m.Obstacles {
		total += len(o.Outline)
	}
	for _, a := range m.Areas {
		total += len(a.Outline)
	}
	if total > MaxMapPoints {
		return fmt.Errorf("map: %d outline points, at most %d", total, MaxMapPoints)
	}
	for _, id := range sortedKeys(m.Obstacles) {
		o := m.Obstacles[id]
		if len(o.Outline) < 3 {
			return fmt.Errorf("obstacle %q: %d points, at least 3 needed", id, len(o.Outline))
		}
		if err := validOutline(o.Outline); err != nil {
			return fmt.Errorf("obstacle %q: %w", id, err)
		}
	}
	for _, id := range sortedKeys(m.Areas) {
		if err := validOutline(m.Areas[id].Outline); err != nil {
			return fmt.Errorf("area %q: %w", id, err)
		}
	}
	return nil
}

func validOutline(pts []Point) error {
	if len(pts) > MaxOutlinePoints {
		return fmt.Errorf("%d points, at most %d", len(pts), MaxOutlinePoints)
	}
	for i, p := range pts {
		if !finite(p.X) || !finite(p.Y) || math.Abs(p.X) > 1e6 || math.Abs(p.Y) > 1e6 {
			return fmt.Errorf("point %d (%g, %g) is not finite or beyond 1000 km", i, p.X, p.Y)
		}
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Options tune a search. The zero value plans forwards only, keeps the
// planner's own clearance (Clearance) and treats every area as accessible.
type Options struct {
	// AllowReverse lets segments be driven backwards (the Driver's
	// CanDriveBackwards).
	AllowReverse bool
	// Margin (m) is kept between the robot's outline and every obstacle
	// and area border, on top of Clearance.
	Margin float64
	// MinTurnRadius (m) is the tightest turn the path may make (the
	// Driver's minimum_turning_radius); 0: splines down to 20 cm, moves
	// down to 50 cm.
	MinTurnRadius float64
	// AccessibleTypes are the area types the robot may drive in; empty:
	// every area (as RoSys does).
	AccessibleTypes []string
}

// Clearance (m) is what the search keeps between the robot's outline and
// obstacles beyond Options.Margin: it covers the robot's motion between
// the poses the search tests. Where the start or goal is closer than that,
// the search tests poses 1 cm apart and keeps 1 cm.
const Clearance = 0.05

// CheckStep (m) is the spacing of the poses Plan's final Check tests.
const CheckStep = 0.02

// Result is a planned path.
type Result struct {
	// Segments run from the start pose to the goal pose, each starting
	// where the last ended, the robot's heading along the tangent
	// (reversed on Backward segments). Empty when the start is the goal
	// (within 1 mm and 0.01 rad).
	Segments driving.Path
	// Length is the path's length (m).
	Length float64
}

// NoPathError says why there is no path.
type NoPathError struct {
	Reason string
}

func (e *NoPathError) Error() string { return "no path: " + e.Reason }

func noPath(format string, args ...any) error {
	return &NoPathError{Reason: fmt.Sprintf(format, args...)}
}
