package detect

import (
	"context"
	"math"
	"time"
)

// Marker is a known point on the ground, as the simulated camera draws it.
type Marker struct {
	Name string
	X, Y float64 // world frame, metres
}

// Projector maps a world point to the pixel it shows at in the image taken
// at t (through the calibration and the robot's pose then); ok is false
// behind the camera.
type Projector func(t time.Time, x, y, z float64) (u, v float64, ok bool)

// Sim is the simulated detector: it finds the simulated markers that are
// in view, as point detections at the pixels the camera draws them, with
// confidence 1. It does not look at the image (the simulated camera is
// rendered from the same markers through the same calibration); it is the
// stand-in for a model, for the pipeline from detection to world point.
type Sim struct {
	Markers []Marker
	Project Projector
}

var _ Detector = (*Sim)(nil)

// Detect implements Detector.
func (s *Sim) Detect(ctx context.Context, img Image) ([]Detection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Detection
	for _, m := range s.Markers {
		u, v, ok := s.Project(img.Time, m.X, m.Y, 0)
		if !ok || math.IsNaN(u) || math.IsNaN(v) || u < 0 || v < 0 || u >= float64(img.Width) || v >= float64(img.Height) {
			continue
		}
		out = append(out, Detection{Category: m.Name, Confidence: 1, X: u, Y: v, Model: "sim"})
		if len(out) == MaxDetections {
			break
		}
	}
	return out, nil
}
