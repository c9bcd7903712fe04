// Package record keeps a camera's images on disk, as RoSys's
// ImageRecorder and timelapse do: on request and on an interval, each image
// written atomically (a reader or a power cut never sees half an image),
// the set bounded by count, bytes and age, the oldest pruned first.
//
// A Recorder writes on its caller's goroutine (an HTTP request) or its
// own (Run); never on the control loop, which knows nothing of it.
package record

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/internal/durable"
)

// Defaults for a Config left at zero.
const (
	DefaultKeep     = 1000
	DefaultMaxBytes = 1 << 30
	DefaultMaxAge   = 30 * 24 * time.Hour
	// MaxImageBytes bounds one image: a 4K MJPEG frame is a few MiB.
	MaxImageBytes = 32 << 20
	// maxScan bounds the files read from the directory at Open: a
	// directory filled by something else is not walked without end.
	maxScan = 1 << 20
)

// ErrImageTooLarge is an image over MaxImageBytes.
var ErrImageTooLarge = errors.New("image larger than 32 MiB")

// ErrNoImage is a request when the camera has no frame yet.
var ErrNoImage = errors.New("no image to record yet")

// Config is one camera's recording.
type Config struct {
	Dir      string // the camera's own directory, created if missing
	Keep     int
	MaxBytes int64
	MaxAge   time.Duration
	// Now is the clock the age is measured on (default time.Now).
	Now func() time.Time
}

// Image is one recorded image.
type Image struct {
	Name  string    `json:"name"` // file name in the directory
	Time  time.Time `json:"time"` // the frame's time
	Bytes int64     `json:"bytes"`
}

// Status is what a Recorder reports.
type Status struct {
	Dir       string    `json:"dir"`
	Images    int       `json:"images"`
	Bytes     int64     `json:"bytes"`
	Saved     uint64    `json:"saved"`  // since start
	Pruned    uint64    `json:"pruned"` // since start
	Failures  uint64    `json:"failures"`
	LastError string    `json:"last_error,omitempty"`
	Last      time.Time `json:"last,omitzero"`
	IntervalS float64   `json:"interval_s,omitempty"`
}

// Recorder writes one camera's images into its directory.
type Recorder struct {
	cfg Config

	mu       sync.Mutex
	images   []Image // oldest first
	bytes    int64
	saved    uint64
	pruned   uint64
	failures uint64
	lastErr  string
	interval time.Duration
}

// Open prepares dir, removes temporaries a crash left behind, and takes
// the images already there into account for the bounds.
func Open(cfg Config) (*Recorder, error) {
	if cfg.Keep <= 0 {
		cfg.Keep = DefaultKeep
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	r := &Recorder{cfg: cfg}
	d, err := os.Open(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	defer d.Close()
	entries, err := d.ReadDir(maxScan)
	if err != nil && !errors.Is(err, io.EOF) { // an empty directory reads as io.EOF
		return nil, fmt.Errorf("record: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, tmpPrefix) {
			_ = os.Remove(filepath.Join(cfg.Dir, name)) // a write a crash cut short
			continue
		}
		t, ok := parseName(name)
		if !ok || !e.Type().IsRegular() {
			continue // not ours: left alone, not counted
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		r.images = append(r.images, Image{Name: name, Time: t, Bytes: info.Size()})
		r.bytes += info.Size()
	}
	slices.SortFunc(r.images, func(a, b Image) int { return strings.Compare(a.Name, b.Name) })
	r.mu.Lock()
	r.pruneLocked()
	r.mu.Unlock()
	return r, nil
}

const (
	tmpPrefix  = ".tmp-"
	suffix     = ".jpg"
	nameLayout = "20060102T150405.000Z"
)

// nameFor names an image by its frame's time (UTC, milliseconds), so that
// names sort as times do; a second image in the same millisecond gets -1,
// -2, …
func nameFor(t time.Time, n int) string {
	base := t.UTC().Format(nameLayout)
	if n > 0 {
		return fmt.Sprintf("%s-%d%s", base, n, suffix)
	}
	return base + suffix
}

func parseName(name string) (time.Time, bool) {
	s, ok := strings.CutSuffix(name, suffix)
	if !ok || len(s) < len(nameLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(nameLayout, s[:len(nameLayout)])
	return t, err == nil
}

// Save writes jpeg, taken at t, as a new image and prunes the oldest
// beyond the bounds. The file appears whole or not at all.
func (r *Recorder) Save(jpeg []byte, t time.Time) (Image, error) {
	if len(jpeg) == 0 {
		return Image{}, ErrNoImage
	}
	if len(jpeg) > MaxImageBytes {
		return Image{}, ErrImageTooLarge
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	name := nameFor(t, 0)
	for n := 1; r.hasLocked(name); n++ {
		name = nameFor(t, n)
	}
	// A temporary beside it, fsynced, renamed over the name, the directory
	// fsynced: a crash leaves a temporary that Open removes, or the whole
	// image.
	if err := durable.WriteFile(filepath.Join(r.cfg.Dir, name), jpeg, 0o644, tmpPrefix+"*"); err != nil {
		r.failures++
		r.lastErr = err.Error()
		return Image{}, fmt.Errorf("record: %w", err)
	}
	img := Image{Name: name, Time: t, Bytes: int64(len(jpeg))}
	// Kept in name order: a frame older than the newest (an image asked
	// for by time) goes to its place.
	i, _ := slices.BinarySearchFunc(r.images, name, func(a Image, n string) int { return strings.Compare(a.Name, n) })
	r.images = slices.Insert(r.images, i, img)
	r.bytes += img.Bytes
	r.saved++
	r.lastErr = ""
	r.pruneLocked()
	return img, nil
}

func (r *Recorder) hasLocked(name string) bool {
	_, found := slices.BinarySearchFunc(r.images, name, func(a Image, n string) int { return strings.Compare(a.Name, n) })
	return found
}

// pruneLocked removes the oldest images until the set is within its
// bounds; the newest is kept whatever MaxBytes says, as history does.
func (r *Recorder) pruneLocked() {
	oldest := r.cfg.Now().Add(-r.cfg.MaxAge)
	for len(r.images) > 0 {
		o := r.images[0]
		over := len(r.images) > r.cfg.Keep || (r.bytes > r.cfg.MaxBytes && len(r.images) > 1) || o.Time.Before(oldest)
		if !over {
			return
		}
		if err := os.Remove(filepath.Join(r.cfg.Dir, o.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			r.failures++
			r.lastErr = "prune: " + err.Error()
			return // tried again after the next save
		}
		r.images = r.images[1:]
		r.bytes -= o.Bytes
		r.pruned++
	}
}

// Prune applies the age bound now (Run calls it on every interval).
func (r *Recorder) Prune() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pruneLocked()
}

// Images lists the recorded images, oldest first.
func (r *Recorder) Images() []Image {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.images)
}

// Status reports the recorder.
func (r *Recorder) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := Status{Dir: r.cfg.Dir, Images: len(r.images), Bytes: r.bytes, Saved: r.saved, Pruned: r.pruned,
		Failures: r.failures, LastError: r.lastErr, IntervalS: r.interval.Seconds()}
	if n := len(r.images); n > 0 {
		st.Last = r.images[n-1].Time
	}
	return st
}

// Latest is the newest frame of a camera: its JPEG (the recorder only
// reads it during the call), its time, and false when there is none yet.
type Latest func() ([]byte, time.Time, bool)

// Run records the newest frame every interval on clk until ctx ends. A
// frame already recorded (the camera stalled) is not recorded twice.
func (r *Recorder) Run(ctx context.Context, clk clock.Clock, interval time.Duration, latest Latest) {
	if interval <= 0 {
		return
	}
	r.mu.Lock()
	r.interval = interval
	r.mu.Unlock()
	timer := clk.NewTimer()
	defer timer.Stop()
	next := clk.Now().Add(interval)
	var last time.Time
	for {
		if timer.SleepUntil(ctx, next, nil) != nil {
			return
		}
		if jpeg, t, ok := latest(); ok && !t.Equal(last) {
			if _, err := r.Save(jpeg, t); err == nil {
				last = t
			}
		} else {
			r.Prune()
		}
		next = next.Add(interval)
		if now := clk.Now(); next.Before(now) {
			next = now.Add(interval) // a stall does not cause a burst
		}
	}
}
