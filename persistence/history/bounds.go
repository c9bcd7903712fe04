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
func (b Bounds) prune(vs []Version, now time.Time) int {
	var total int64
	for _, v := range vs {
		total += v.Size
	}
	n := 0
	for n < len(vs)-1 {
		v := vs[n]
		if len(vs)-n > b.Keep || now.Sub(v.SavedAt) > b.MaxAge || total > b.MaxBytes {
			total -= v.Size
			n++
			continue
		}
		break
	}
	return n
}
