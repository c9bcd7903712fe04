// Package metrics exports a robot's figures in the Prometheus format: the
// control loop, the backup and mirror loops, every persistent module, the
// serial drivers' line counts, the sensors' staleness, and the Go runtime
// and process. ui serves the registry at GET /metrics.
//
// Everything is collected at scrape time from what the loops already keep
// with atomics (rosys.Runtime.Status and Metrics, the drivers' counters):
// nothing here runs on the control goroutine, so recording costs a tick
// no allocation and no call into client_golang.
package metrics

import (
	"errors"
	"fmt"
	"time"

	"github.com/gorosys/rosys"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// ErrDuplicateDriver is returned when two drivers register under one name.
var ErrDuplicateDriver = errors.New("metrics: driver registered twice")

// Option configures a registry.
type Option func(*options)

type options struct {
	drivers     []driverSource
	corrections []correctionSource
	now         func() time.Time
	process     bool
	err         error
}

// add registers src, merging it with an earlier registration of the same
// driver that supplied the other half (line counts or sensors).
func (o *options) add(src driverSource) {
	for i := range o.drivers {
		d := &o.drivers[i]
		if d.name != src.name {
			continue
		}
		if (d.lines != nil && src.lines != nil) || (d.sensors != nil && src.sensors != nil) {
			o.err = errors.Join(o.err, fmt.Errorf("%w: %q", ErrDuplicateDriver, src.name))
			return
		}
		if src.lines != nil {
			d.lines = src.lines
		}
		if src.sensors != nil {
			d.sensors = src.sensors
		}
		return
	}
	o.drivers = append(o.drivers, src)
}

// WithDriver registers the driver d under name: its serial line counts if
// it is a LineCounter, its sensors' ages if it is a SensorClock, its
// correction stream if it is a CorrectionSource. A driver that is none of
// them adds nothing, so every driver of a robot can be passed.
func WithDriver(name string, d any) Option {
	return func(o *options) {
		src := driverSource{name: name}
		if lc, ok := d.(LineCounter); ok {
			src.lines = lc.LineCounts
		}
		if sc, ok := d.(SensorClock); ok {
			src.sensors = sc.SensorTimes
		}
		if src.lines != nil || src.sensors != nil {
			o.add(src)
		}
		if cs, ok := d.(CorrectionSource); ok {
			o.corrections = append(o.corrections, correctionSource{name, cs.CorrectionCounts})
		}
	}
}

// WithLineCounts registers a serial driver's counts through a function,
// for a driver that keeps them in its status rather than as LineCounts.
func WithLineCounts(name string, fn func() (good, bad uint64)) Option {
	return func(o *options) { o.add(driverSource{name: name, lines: fn}) }
}

// WithSensorTimes registers a driver's sensors through a function: the time
// each sensor's latest value was taken, zero for one not heard from yet.
func WithSensorTimes(name string, fn func() map[string]time.Time) Option {
	return func(o *options) { o.add(driverSource{name: name, sensors: fn}) }
}

// WithSensorClock sets the clock sensor ages are measured on; the drivers
// stamp values with the wall clock (the default).
func WithSensorClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithoutProcess leaves out the Go runtime and process collectors, for a
// registry that must list only the robot's own metrics.
func WithoutProcess() Option { return func(o *options) { o.process = false } }

// NewRegistry returns a private registry (never the global default, so two
// robots in one process, or a test, do not share metrics) holding rt's
// collector, the registered drivers and, unless WithoutProcess, the Go
// runtime and process collectors.
func NewRegistry(rt *rosys.Runtime, opts ...Option) (*prometheus.Registry, error) {
	o := options{now: time.Now, process: true}
	for _, opt := range opts {
		opt(&o)
	}
	if o.err != nil {
		return nil, o.err
	}
	reg := prometheus.NewRegistry()
	cs := []prometheus.Collector{newRuntimeCollector(rt), newDriverCollector(o.drivers, o.now)}
	if len(o.corrections) > 0 {
		cs = append(cs, newCorrectionCollector(o.corrections))
	}
	if o.process {
		cs = append(cs, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return reg, nil
}
