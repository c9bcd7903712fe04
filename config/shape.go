package config

import (
	"fmt"
	"math"
)

// RobotShape is the robot's footprint for the path planner (RoSys's
// robot_shape, a prism's outline): points in metres in the robot's frame
// (x forward, y left, from the pose's reference point), in order around
// the outline.
//
//	robot_shape: {outline: [{x: -0.5, y: -0.5}, {x: 0.5, y: -0.5}, {x: 0.75, y: 0}, {x: 0.5, y: 0.5}, {x: -0.5, y: 0.5}]}
//
// Left out, the planner takes RoSys's default shape (the one above).
type RobotShape struct {
	Outline []ShapePoint `yaml:"outline"`
}

// ShapePoint is a point of RobotShape's outline.
type ShapePoint struct {
	X float64 `yaml:"x"`
	Y float64 `yaml:"y"`
}

// MaxShapePoints bounds robot_shape.outline: the planner dilates the map
// by it at every yaw, so its cost grows with each point.
const MaxShapePoints = 64

// validate checks what the bounds table cannot: the number of points and
// that they span an area.
func (s *RobotShape) validate() error {
	n := len(s.Outline)
	if n < 3 || n > MaxShapePoints {
		return fmt.Errorf("%d points; an outline takes 3 to %d", n, MaxShapePoints)
	}
	area := 0.0
	for i, p := range s.Outline {
		q := s.Outline[(i+1)%n]
		area += p.X*q.Y - q.X*p.Y
	}
	if math.Abs(area)/2 < 0.0025 {
		return fmt.Errorf("the points enclose %.4f m², less than a 5 cm square: give the footprint's corners in order", math.Abs(area)/2)
	}
	return nil
}
