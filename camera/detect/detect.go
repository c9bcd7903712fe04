// Package detect finds objects in camera images and places them on the
// ground: the Detector interface, a simulated detector (the simulated
// camera's markers), an HTTP client for a Zauberzeug Learning Loop
// detector node, and Run, which feeds a camera's newest frame to a
// detector on an interval and keeps the detections, in pixels and as
// world points, bounded.
package detect

import (
	"context"
	"errors"
	"time"
)

// Detection is one object found in an image, in pixels (x right, y down
// from the top-left corner). A point detection has W and H zero; a box's
// X, Y is its top-left corner.
type Detection struct {
	Category   string  `json:"category"`
	Confidence float64 `json:"confidence"`
	X          float64 `json:"x"`
	Y          float64 `json:"y"`
	W          float64 `json:"w,omitempty"`
	H          float64 `json:"h,omitempty"`
	Model      string  `json:"model,omitempty"`
}

// Box reports whether d is a box (not a point).
func (d Detection) Box() bool { return d.W > 0 || d.H > 0 }

// Center is the pixel a detection stands for on the ground: a point's
// own, a box's centre (the camera looks down at plants and markers).
func (d Detection) Center() (u, v float64) { return d.X + d.W/2, d.Y + d.H/2 }

// Image is what a detector is given: a camera's JPEG and where it came
// from.
type Image struct {
	Camera string
	Time   time.Time
	JPEG   []byte // read during Detect only; the caller may reuse it after
	Width  int
	Height int
}

// Detector finds objects in an image. Detect must honour ctx (its
// deadline bounds a remote detector).
type Detector interface {
	Detect(ctx context.Context, img Image) ([]Detection, error)
}

// MaxDetections bounds the detections of one image: a detector answering
// more is cut to the most confident, so a runaway model cannot fill memory.
const MaxDetections = 1000

// ErrNoFrame is returned when the camera has no frame to detect in yet.
var ErrNoFrame = errors.New("detect: no frame yet")
