package simcam

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/gorosys/rosys/camera/calib"
	"github.com/gorosys/rosys/hardware"
)

// MaxMarkers bounds a scene's markers.
const MaxMarkers = 64

// Marker is a disc on the ground at a known world position.
type Marker struct {
	ID     string
	X, Y   float64 // the centre in the world frame, metres
	Radius float64 // metres, 0.01..1
	Color  color.RGBA
}

// The marker colours of DefaultMarkers: saturated, far from the soil, the
// grid and the sky in RGB, so a colour threshold finds them through JPEG.
var (
	Red     = color.RGBA{220, 30, 30, 255}
	Blue    = color.RGBA{30, 60, 220, 255}
	Yellow  = color.RGBA{230, 210, 20, 255}
	Magenta = color.RGBA{200, 40, 200, 255}
	Cyan    = color.RGBA{20, 200, 210, 255}
)

// DefaultMarkers are five discs of 6 cm radius ahead of a robot at the
// origin facing +x, between 1 and 2.5 m, where a forward camera looking
// down sees them.
func DefaultMarkers() []Marker {
	return []Marker{
		{ID: "red", X: 1.0, Y: 0.0, Radius: 0.06, Color: Red},
		{ID: "blue", X: 1.5, Y: 0.5, Radius: 0.06, Color: Blue},
		{ID: "yellow", X: 2.0, Y: -0.5, Radius: 0.06, Color: Yellow},
		{ID: "magenta", X: 1.3, Y: -0.3, Radius: 0.06, Color: Magenta},
		{ID: "cyan", X: 2.5, Y: 0.3, Radius: 0.06, Color: Cyan},
	}
}

func checkMarkers(ms []Marker) error {
	if len(ms) > MaxMarkers {
		return fmt.Errorf("%d markers, at most %d", len(ms), MaxMarkers)
	}
	seen := map[string]bool{}
	for i, m := range ms {
		if m.ID == "" || seen[m.ID] {
			return fmt.Errorf("marker %d: id %q is empty or used twice", i, m.ID)
		}
		seen[m.ID] = true
		if math.IsNaN(m.X) || math.IsNaN(m.Y) || math.IsInf(m.X, 0) || math.IsInf(m.Y, 0) || math.Abs(m.X) > 1e6 || math.Abs(m.Y) > 1e6 {
			return fmt.Errorf("marker %s: position (%v, %v) is not finite or beyond 1000 km", m.ID, m.X, m.Y)
		}
		if !(m.Radius >= 0.01 && m.Radius <= 1) {
			return fmt.Errorf("marker %s: radius %v m is out of 0.01..1", m.ID, m.Radius)
		}
	}
	return nil
}

// Sighting is a marker seen in an image.
type Sighting struct {
	Marker Marker
	// Pixel is the centroid of the marker's pixels (FindMarkers) or the
	// projection of its centre (Visible).
	Pixel calib.Point2
	// Pixels is how many pixels matched (FindMarkers), 0 from Visible.
	Pixels int
}

// colorTolerance is the RGB distance within which a pixel counts as a
// marker's colour; JPEG at quality 80 keeps the inside of a disc within
// about 40.
const colorTolerance = 70

// FindMarkers finds the markers in img by colour: every pixel within
// colorTolerance of a marker's colour counts for it, and a marker with at
// least minPixels pixels is reported at their centroid. Markers sharing a
// colour are not told apart: give each its own colour.
func FindMarkers(img image.Image, markers []Marker, minPixels int) []Sighting {
	type acc struct {
		sx, sy float64
		n      int
	}
	accs := make([]acc, len(markers))
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for i, m := range markers {
				dr := float64(r>>8) - float64(m.Color.R)
				dg := float64(g>>8) - float64(m.Color.G)
				db := float64(bl>>8) - float64(m.Color.B)
				if dr*dr+dg*dg+db*db <= colorTolerance*colorTolerance {
					accs[i].sx += float64(x - b.Min.X)
					accs[i].sy += float64(y - b.Min.Y)
					accs[i].n++
					break
				}
			}
		}
	}
	var out []Sighting
	for i, a := range accs {
		if a.n >= max(minPixels, 1) {
			out = append(out, Sighting{Marker: markers[i], Pixel: calib.Point2{X: a.sx / float64(a.n), Y: a.sy / float64(a.n)}, Pixels: a.n})
		}
	}
	return out
}

// Visible returns the markers whose centres project onto the image with
// the robot at robot, at the pixel of their centre: what a perfect
// detector would report, without looking at an image.
func Visible(c *calib.Calibration, robot hardware.Pose, markers []Marker) []Sighting {
	cam := c.CameraPose(robot)
	var out []Sighting
	for _, m := range markers {
		px, ok := c.ProjectFrom(cam, calib.Point3{X: m.X, Y: m.Y})
		if ok && c.Intrinsics.InImage(px) {
			out = append(out, Sighting{Marker: m, Pixel: px})
		}
	}
	return out
}

// DefaultCalibration is a 640×480 pinhole camera (focal length 500 px,
// a little barrel distortion) mounted 0.3 m ahead of the robot's centre,
// 1 m up, looking ahead 45° down: with the robot at the origin facing +x
// it sees the ground from about 0.65 to 3.1 m ahead, and DefaultMarkers.
func DefaultCalibration() calib.Calibration {
	in := calib.Default(640, 480, 500)
	in.D = []float64{-0.05, 0.01, 0, 0, 0}
	return calib.Calibration{Intrinsics: in,
		Extrinsics: calib.Pose3{X: 0.3, Z: 1, Rotation: calib.LookingForward(math.Pi / 4)}}
}
