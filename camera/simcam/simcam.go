package simcam

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"time"

	"github.com/gorosys/rosys/camera"
	"github.com/gorosys/rosys/camera/calib"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/hardware"
)

// Bounds of Options.
const (
	DefaultFPS = 10
	MinFPS     = 0.1
	MaxFPS     = 60
	// MaxPixels bounds the rendered image (width × height); every pixel
	// keeps its ray (8 bytes).
	MaxPixels      = 2048 * 2048
	DefaultQuality = 80
)

// The scene's colours besides the markers.
var (
	Soil = color.RGBA{110, 90, 70, 255}
	Grid = color.RGBA{150, 150, 150, 255}
	Sky  = color.RGBA{170, 200, 230, 255}
	// Void is a pixel without a ray (past a fisheye's 90°).
	Void = color.RGBA{0, 0, 0, 255}
)

// GridLine is the width of the 1 m grid's lines, metres.
const GridLine = 0.02

// Options configure a simulated camera.
type Options struct {
	// Name for status ("sim front"); "sim" when empty.
	Name string
	// Calibration it renders through; the image has its size.
	Calibration calib.Calibration
	// Pose returns the robot's pose at the frame's time; nil: the zero
	// pose (a camera fixed in the world, the extrinsics in world
	// coordinates). It must not block.
	Pose func() hardware.Pose
	// Clock the frames are timed on: clock.Real{} when nil.
	Clock clock.Clock
	// FPS, MinFPS..MaxFPS (DefaultFPS when 0).
	FPS float64
	// Markers on the ground; DefaultMarkers when nil, none when empty.
	Markers []Marker
	// Quality of the JPEG, 1..100 (DefaultQuality when 0).
	Quality int
}

// Source renders frames; it implements camera.Source and
// camera.ClockDriven.
type Source struct {
	o      Options
	period time.Duration
	rays   []float32 // x/z, y/z of every pixel, NaN without a ray
	img    *image.RGBA
	buf    bytes.Buffer
}

var (
	_ camera.Source      = (*Source)(nil)
	_ camera.ClockDriven = (*Source)(nil)
)

// New checks the options and computes every pixel's ray once.
func New(o Options) (*Source, error) {
	if o.Name == "" {
		o.Name = "sim"
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.FPS == 0 {
		o.FPS = DefaultFPS
	}
	if o.Quality == 0 {
		o.Quality = DefaultQuality
	}
	if o.Markers == nil {
		o.Markers = DefaultMarkers()
	}
	in := o.Calibration.Intrinsics
	switch {
	case !(o.FPS >= MinFPS && o.FPS <= MaxFPS):
		return nil, fmt.Errorf("simulated camera: fps %v is out of %v..%v", o.FPS, MinFPS, MaxFPS)
	case o.Quality < 1 || o.Quality > 100:
		return nil, fmt.Errorf("simulated camera: JPEG quality %d is out of 1..100", o.Quality)
	}
	if err := o.Calibration.Check(); err != nil {
		return nil, fmt.Errorf("simulated camera: %w", err)
	}
	if in.Width*in.Height > MaxPixels {
		return nil, fmt.Errorf("simulated camera: %d×%d is more than %d pixels", in.Width, in.Height, MaxPixels)
	}
	if err := checkMarkers(o.Markers); err != nil {
		return nil, fmt.Errorf("simulated camera: %w", err)
	}
	o.Markers = append([]Marker(nil), o.Markers...)
	s := &Source{o: o, period: time.Duration(float64(time.Second) / o.FPS),
		rays: make([]float32, 2*in.Width*in.Height), img: image.NewRGBA(image.Rect(0, 0, in.Width, in.Height))}
	for v := range in.Height {
		for u := range in.Width {
			n, ok := in.Undistort(calib.Point2{X: float64(u), Y: float64(v)})
			i := 2 * (v*in.Width + u)
			if !ok {
				s.rays[i], s.rays[i+1] = float32(math.NaN()), float32(math.NaN())
				continue
			}
			s.rays[i], s.rays[i+1] = float32(n.X), float32(n.Y)
		}
	}
	return s, nil
}

// Name says what the source is.
func (s *Source) Name() string { return s.o.Name }

// ClockDriven: the source waits only on its clock.
func (s *Source) ClockDriven() bool { return true }

// Markers are the scene's markers (a copy).
func (s *Source) Markers() []Marker { return append([]Marker(nil), s.o.Markers...) }

// Calibration is what the source renders through.
func (s *Source) Calibration() calib.Calibration { return s.o.Calibration }

// Run emits a frame every 1/FPS on the clock, the first at once, until ctx
// is done. A frame's time is the clock's time when its pose was read.
// After a stall (a real clock, a slow machine) it skips the missed frames
// rather than catching up.
func (s *Source) Run(ctx context.Context, emit func(jpeg []byte, t time.Time)) error {
	timer := s.o.Clock.NewTimer()
	defer timer.Stop()
	next := s.o.Clock.Now()
	for {
		if err := timer.SleepUntil(ctx, next, nil); err != nil {
			return err
		}
		now := s.o.Clock.Now()
		b, err := s.Frame(s.pose())
		if err != nil {
			return err
		}
		emit(b, now)
		next = next.Add(s.period)
		if !next.After(now) {
			next = now.Add(s.period)
		}
	}
}

func (s *Source) pose() hardware.Pose {
	if s.o.Pose == nil {
		return hardware.Pose{}
	}
	return s.o.Pose()
}

// Frame renders and encodes one frame with the robot at robot. The bytes
// are the source's buffer, valid until the next call; Frame and Run must
// not be called at the same time.
func (s *Source) Frame(robot hardware.Pose) ([]byte, error) {
	img := s.Render(robot)
	s.buf.Reset()
	if err := jpeg.Encode(&s.buf, img, &jpeg.Options{Quality: s.o.Quality}); err != nil {
		return nil, fmt.Errorf("simulated camera: %w", err)
	}
	return s.buf.Bytes(), nil
}

// Render draws the scene with the robot at robot into the source's image
// (reused: valid until the next call) and returns it.
func (s *Source) Render(robot hardware.Pose) *image.RGBA {
	cam := s.o.Calibration.CameraPose(robot)
	r := cam.Rotation
	t := cam.Translation()
	w, h := s.img.Rect.Dx(), s.img.Rect.Dy()
	for v := range h {
		row := s.img.Pix[v*s.img.Stride:]
		for u := range w {
			i := 2 * (v*w + u)
			x, y := float64(s.rays[i]), float64(s.rays[i+1])
			c := Void
			if !math.IsNaN(x) {
				// The ray's direction in the world, R·(x, y, 1).
				dx := r[0][0]*x + r[0][1]*y + r[0][2]
				dy := r[1][0]*x + r[1][1]*y + r[1][2]
				dz := r[2][0]*x + r[2][1]*y + r[2][2]
				c = Sky
				if dz < 0 && t.Z > 0 {
					k := -t.Z / dz
					c = s.ground(t.X+k*dx, t.Y+k*dy)
				}
			}
			p := row[4*u : 4*u+4 : 4*u+4]
			p[0], p[1], p[2], p[3] = c.R, c.G, c.B, 255
		}
	}
	return s.img
}

// ground is the colour of the ground at (x, y): a marker, a grid line or
// soil.
func (s *Source) ground(x, y float64) color.RGBA {
	for i := range s.o.Markers {
		m := &s.o.Markers[i]
		dx, dy := x-m.X, y-m.Y
		if dx*dx+dy*dy <= m.Radius*m.Radius {
			return m.Color
		}
	}
	if d := math.Abs(x - math.Round(x)); d < GridLine/2 {
		return Grid
	}
	if d := math.Abs(y - math.Round(y)); d < GridLine/2 {
		return Grid
	}
	return Soil
}
