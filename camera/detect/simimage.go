package detect

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"

	"github.com/gorosys/rosys/camera/simcam"
)

// SimImage is the simulated detector of a simulated camera: it decodes
// the frame and finds the camera's markers in it by their colour
// (simcam.FindMarkers), a point detection at each blob's centroid with
// the marker's id as its category. Unlike Sim it looks at the image, so
// the whole chain runs as with a real detector: rendering, JPEG, decoding,
// finding, and placing on the ground through the calibration.
type SimImage struct {
	Markers []simcam.Marker
	// MinPixels a marker needs to count as seen (default 12).
	MinPixels int
}

var _ Detector = (*SimImage)(nil)

// Detect implements Detector.
func (s *SimImage) Detect(ctx context.Context, img Image) ([]Detection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	im, err := jpeg.Decode(bytes.NewReader(img.JPEG))
	if err != nil {
		return nil, fmt.Errorf("detect: decode frame: %w", err)
	}
	min := s.MinPixels
	if min <= 0 {
		min = 12
	}
	seen := simcam.FindMarkers(im, s.Markers, min)
	out := make([]Detection, 0, len(seen))
	for _, m := range seen {
		out = append(out, Detection{Category: m.Marker.ID, Confidence: 1, X: m.Pixel.X, Y: m.Pixel.Y, Model: "sim"})
		if len(out) == MaxDetections {
			break
		}
	}
	return out, nil
}
