package robot

import (
	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// metricsRegistry is what GET /metrics serves: the runtime, every driver
// that counts serial lines or times its sensors (found by their methods,
// so a new driver needs no wiring here), and the Go process.
func metricsRegistry(rt *rosys.Runtime, hw Hardware) (*prometheus.Registry, error) {
	opts := make([]metrics.Option, 0, len(hw.Drivers))
	for _, d := range hw.Drivers {
		opts = append(opts, metrics.WithDriver(d.Name, d.V))
	}
	return metrics.NewRegistry(rt, opts...)
}
