package history

import (
	"errors"
	"fmt"
	"time"
)

// Bounds limit how much history one module keeps. The newest version is
// always kept, whatever the bounds say: it is the module's current state.
type Bounds struct {
	Keep     int           // versions kept, newest first
	MaxAge   time.Duration // versions older than this are pruned
	MaxBytes int64         // total size of a module's versions
}

// DefaultBounds are robot.yaml's defaults: 100 versions, 30 days, 64 MiB.
var DefaultBounds = Bounds{Keep: 100, MaxAge: 720 * time.Hour, MaxBytes: 64 << 20}

// Validate refuses bounds that make no sense. Every bound is required:
// a zero would mean "keep nothing", which is history switched off, and
// that is said by not configuring history, not by a zero.
func (b Bounds) Validate() error {
	var errs []error
	if b.Keep < 1 {
		errs = append(errs, fmt.Errorf("keep: %d, must be at least 1", b.Keep))
	}
	if b.MaxAge <= 0 {
		errs = append(errs, fmt.Errorf("max_age: %s, must be positive", b.MaxAge))
	}
	if b.MaxBytes <= 0 {
		errs = append(errs, fmt.Errorf("max_bytes: %d, must be positive", b.MaxBytes))
	}
	return errors.Join(errs...)
}

// Config sets the bounds of every module and of some modules.
type Config struct {
	Default Bounds
	Modules map[string]Bounds
}

// Validate checks the default and every per-module bound.
func (c Config) Validate() error {
	var errs []error
	if err := c.Default.Validate(); err != nil {
		errs = append(errs, err)
	}
	for k, b := range c.Modules {
		if err := b.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("module %q: %w", k, err))
		}
	}
	return errors.Join(errs...)
}

func (c Config) bounds(key string) Bounds {
	if b, ok := c.Modules[key]; ok {
		return b
	}
	return c.Default
}

// prune returns how many of the oldest versions (sorted oldest first) go.
// The bounds count only the versions the history can serve: a damaged
// one (a file planted under a version's name, 3 GiB or not JSON, or one
// whose bytes changed) never pushes a good one out by its size or its
// number. It goes when a newer good version goes, or by its age.
func (b Bounds) prune(vs []Version, now time.Time) int {
	var total int64
	good := 0
	for _, v := range vs {
		if v.Damaged == "" {
			total += v.Size
			good++
		}
	}
	n := 0
	for i := 0; i < len(vs)-1; i++ {
		v := vs[i]
		if v.Damaged != "" {
			if now.Sub(v.SavedAt) > b.MaxAge && n == i {
				n++
			}
			continue
		}
		if good > b.Keep || now.Sub(v.SavedAt) > b.MaxAge || total > b.MaxBytes {
			total -= v.Size
			good--
			n = i + 1
			continue
		}
		break
	}
	return n
}
