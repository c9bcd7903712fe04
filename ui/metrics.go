package ui

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// Bounds on a scrape: a few at once (Prometheus scrapes one at a time;
// more means a misbehaving client), each well within the server's write
// timeout.
const (
	metricsMaxInFlight = 4
	metricsTimeout     = 10 * time.Second
)

// WithMetrics serves g at GET /metrics in the Prometheus text format
// (metrics.NewRegistry builds one for a runtime). It is guarded like the
// API: with a token, a scraper sends "Authorization: Bearer <token>"
// (Prometheus' authorization setting); ?token= is not accepted there.
func WithMetrics(g prometheus.Gatherer) Option { return func(s *Server) { s.gatherer = g } }

// routeMetrics registers /metrics once the options are applied, so that
// the handler logs to the server's logger whatever the options' order.
func (s *Server) routeMetrics() {
	if s.gatherer == nil {
		return
	}
	s.mux.Handle("GET "+metricsPath, scrapeTimeout(promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{
		ErrorLog:            zap.NewStdLog(s.log.Named("metrics")),
		ErrorHandling:       promhttp.ContinueOnError, // one bad collector does not hide the rest
		MaxRequestsInFlight: metricsMaxInFlight,
		// Timeout is scrapeTimeout's, whose buffers are kept between
		// scrapes (promhttp's is http.TimeoutHandler's, new each time).
	}), metricsTimeout))
}

// metricsPath is guarded like /api/ (see guard).
const metricsPath = "/metrics"
