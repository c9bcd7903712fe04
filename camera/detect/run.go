package detect

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gorosys/rosys/clock"
)

// WorldPoint is a detection placed on the ground, in the world frame.
type WorldPoint struct {
	Camera     string    `json:"camera"`
	Category   string    `json:"category"`
	Confidence float64   `json:"confidence"`
	X          float64   `json:"x"`
	Y          float64   `json:"y"`
	Time       time.Time `json:"time"`
}

// Points keeps the newest world points of every camera, at most max in
// all; the oldest is overwritten first.
type Points struct {
	mu   sync.Mutex
	buf  []WorldPoint
	next int
}

// DefaultMaxPoints is the world points kept when NewPoints is given 0.
const DefaultMaxPoints = 2000

// NewPoints keeps at most max points.
func NewPoints(max int) *Points {
	if max <= 0 {
		max = DefaultMaxPoints
	}
	return &Points{buf: make([]WorldPoint, 0, max)}
}

// Add keeps ps, displacing the oldest beyond the bound.
func (p *Points) Add(ps ...WorldPoint) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range ps {
		if len(p.buf) < cap(p.buf) {
			p.buf = append(p.buf, w)
			continue
		}
		p.buf[p.next] = w
		p.next = (p.next + 1) % len(p.buf)
	}
}

// List is the points of camera ("" for all), oldest first.
func (p *Points) List(camera string) []WorldPoint {
	p.mu.Lock()
	all := append(slices.Clone(p.buf[p.next:]), p.buf[:p.next]...)
	p.mu.Unlock()
	if camera == "" {
		return all
	}
	return slices.DeleteFunc(all, func(w WorldPoint) bool { return w.Camera != camera })
}

// Ground maps pixel (u, v) of the image taken at t to the ground plane in
// the world frame; ok is false when the camera has no valid calibration or
// the pixel looks above the horizon.
type Ground func(t time.Time, u, v float64) (x, y float64, ok bool)

// Latest copies a camera's newest frame into buf (grown as needed) and
// returns it; ok is false while there is none.
type Latest func(buf []byte) (img Image, ok bool)

// Result is one detection run on one frame.
type Result struct {
	Camera     string      `json:"camera"`
	Time       time.Time   `json:"time"` // the frame's
	Width      int         `json:"width"`
	Height     int         `json:"height"`
	Detections []Detection `json:"detections"`
	Error      string      `json:"error,omitempty"`
}

// Status reports a Runner.
type Status struct {
	Detector  string  `json:"detector"`
	Runs      uint64  `json:"runs"`
	Failures  uint64  `json:"failures"`
	LastError string  `json:"last_error,omitempty"`
	IntervalS float64 `json:"interval_s"`
}

// Runner detects in one camera's newest frame every Interval and places
// what it finds on the ground.
type Runner struct {
	Camera   string
	Kind     string // for status: sim, learning_loop
	Detector Detector
	Latest   Latest
	Ground   Ground // nil: detections stay in pixels
	Points   *Points
	Interval time.Duration
	Timeout  time.Duration

	mu       sync.Mutex
	last     Result
	runs     uint64
	failures uint64
	lastErr  string
}

// Run detects every Interval on clk until ctx ends. A frame already
// looked at is not sent again.
func (r *Runner) Run(ctx context.Context, clk clock.Clock) {
	interval := r.Interval
	if interval <= 0 {
		interval = time.Second
	}
	timer := clk.NewTimer()
	defer timer.Stop()
	var buf []byte
	var seen time.Time
	next := clk.Now().Add(interval)
	for {
		if timer.SleepUntil(ctx, next, nil) != nil {
			return
		}
		img, ok := r.Latest(buf)
		if img.JPEG != nil {
			buf = img.JPEG[:0] // reused for the next frame
		}
		if ok && !img.Time.Equal(seen) {
			seen = img.Time
			r.Once(ctx, img)
		}
		next = next.Add(interval)
		if now := clk.Now(); next.Before(now) {
			next = now.Add(interval)
		}
	}
}

// Once detects in img, keeps the result, and adds its world points.
func (r *Runner) Once(ctx context.Context, img Image) Result {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	dets, err := r.Detector.Detect(dctx, img)
	cancel()
	res := Result{Camera: r.Camera, Time: img.Time, Width: img.Width, Height: img.Height, Detections: dets}
	if res.Detections == nil {
		res.Detections = []Detection{}
	}
	if err != nil {
		res.Error = err.Error()
	} else if r.Ground != nil && r.Points != nil {
		pts := make([]WorldPoint, 0, len(dets))
		for _, d := range dets {
			u, v := d.Center()
			if x, y, ok := r.Ground(img.Time, u, v); ok {
				pts = append(pts, WorldPoint{Camera: r.Camera, Category: d.Category, Confidence: d.Confidence, X: x, Y: y, Time: img.Time})
			}
		}
		r.Points.Add(pts...)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs++
	if err != nil {
		r.failures++
		r.lastErr = err.Error()
	}
	r.last = res
	return res
}

// Last is the newest result (zero before the first run).
func (r *Runner) Last() Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.last
	res.Detections = slices.Clone(res.Detections)
	return res
}

// Status reports the runner.
func (r *Runner) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	iv := r.Interval
	if iv <= 0 {
		iv = time.Second
	}
	return Status{Detector: r.Kind, Runs: r.runs, Failures: r.failures, LastError: r.lastErr, IntervalS: iv.Seconds()}
}
