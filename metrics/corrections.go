package metrics

import "github.com/prometheus/client_golang/prometheus"

// CorrectionSource is a driver that streams corrections to a receiver
// (drivers/ntrip): bytes and messages passed on and bad frames dropped
// (all only grow), and whether it is connected now.
type CorrectionSource interface {
	CorrectionCounts() (bytes, messages, bad uint64, connected bool)
}

type correctionSource struct {
	name   string
	counts func() (bytes, messages, bad uint64, connected bool)
}

// correctionCollector exports the correction streams.
type correctionCollector struct {
	sources                         []correctionSource
	bytes, messages, bad, connected *prometheus.Desc
}

func newCorrectionCollector(sources []correctionSource) *correctionCollector {
	return &correctionCollector{
		sources: sources,
		bytes: prometheus.NewDesc("rosys_corrections_bytes_total",
			"Correction bytes (RTCM 3 frames that passed their CRC) passed on to the GNSS receiver.", []string{"driver"}, nil),
		messages: prometheus.NewDesc("rosys_corrections_messages_total",
			"Correction messages (RTCM 3 frames) passed on to the GNSS receiver.", []string{"driver"}, nil),
		bad: prometheus.NewDesc("rosys_corrections_bad_frames_total",
			"RTCM 3 frames dropped because their CRC failed.", []string{"driver"}, nil),
		connected: prometheus.NewDesc("rosys_corrections_connected",
			"1 while the correction stream (the NTRIP caster) is connected.", []string{"driver"}, nil),
	}
}

func (c *correctionCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.bytes
	ch <- c.messages
	ch <- c.bad
	ch <- c.connected
}

func (c *correctionCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.sources {
		b, m, bad, conn := s.counts()
		up := 0.0
		if conn {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(b), s.name)
		ch <- prometheus.MustNewConstMetric(c.messages, prometheus.CounterValue, float64(m), s.name)
		ch <- prometheus.MustNewConstMetric(c.bad, prometheus.CounterValue, float64(bad), s.name)
		ch <- prometheus.MustNewConstMetric(c.connected, prometheus.GaugeValue, up, s.name)
	}
}
