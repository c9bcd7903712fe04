package metrics

import (
	"maps"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// LineCounter is a driver that reads a line protocol from a serial port.
// Good lines passed the protocol's checks (checksum, length); bad ones
// were dropped. Both only ever grow. drivers/lizard implements it; any
// other serial driver (GNSS, say) gets its lines exported by implementing
// it too, or through WithLineCounts.
type LineCounter interface {
	LineCounts() (good, bad uint64)
}

// SensorClock is a driver that knows when each of its sensors' latest
// value was taken (zero for one not heard from yet), so a scrape can tell
// a sensor that went quiet from one that reports the same value.
type SensorClock interface {
	SensorTimes() map[string]time.Time
}

type driverSource struct {
	name    string
	lines   func() (good, bad uint64)
	sensors func() map[string]time.Time
}

// driverCollector exports the registered drivers' counters and sensors.
type driverCollector struct {
	drivers []driverSource
	now     func() time.Time
	lines   *prometheus.Desc
	age     *prometheus.Desc
}

func newDriverCollector(drivers []driverSource, now func() time.Time) *driverCollector {
	return &driverCollector{
		drivers: drivers,
		now:     now,
		lines: prometheus.NewDesc("rosys_serial_lines_total",
			"Lines read from a serial driver's port: result=good passed the protocol's checks, result=bad were dropped (bad checksum, overlong).",
			[]string{"driver", "result"}, nil),
		age: prometheus.NewDesc("rosys_sensor_age_seconds",
			"Seconds since a sensor's latest value was taken; absent until the sensor reported once.",
			[]string{"driver", "sensor"}, nil),
	}
}

func (c *driverCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lines
	ch <- c.age
}

func (c *driverCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	for _, d := range c.drivers {
		if d.lines != nil {
			good, bad := d.lines()
			ch <- prometheus.MustNewConstMetric(c.lines, prometheus.CounterValue, float64(good), d.name, "good")
			ch <- prometheus.MustNewConstMetric(c.lines, prometheus.CounterValue, float64(bad), d.name, "bad")
		}
		if d.sensors == nil {
			continue
		}
		times := d.sensors()
		for _, name := range slices.Sorted(maps.Keys(times)) {
			if at := times[name]; !at.IsZero() {
				// A measurement's time is the controller's clock mapped to
				// the host's, which can run a fraction of a millisecond
				// ahead of the scrape: an age is never below zero.
				age := max(now.Sub(at), 0)
				ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age.Seconds(), d.name, name)
			}
		}
	}
}
