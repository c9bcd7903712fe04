package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/metrics"
	"github.com/gorosys/rosys/ui"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"
)

// serve puts rt's registry behind the real API server, as rosys run does.
func serve(t *testing.T, rt *rosys.Runtime, opts ...metrics.Option) string {
	t.Helper()
	reg, err := metrics.NewRegistry(rt, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui.NewServer(rt, ui.WithMetrics(reg)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// scraped is one scrape, parsed as Prometheus parses it.
type scraped map[string]*dto.MetricFamily

func scrape(t *testing.T, url string) scraped {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(ct, "version=0.0.4") {
		t.Fatalf("Content-Type %q is not the Prometheus text format", ct)
	}
	p := expfmt.NewTextParser(pmodel.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// family returns the family name, failing the test if it is missing or of
// another type.
func (s scraped) family(t *testing.T, name string, typ dto.MetricType) *dto.MetricFamily {
	t.Helper()
	f, ok := s[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	if f.GetType() != typ {
		t.Fatalf("%s is a %v, want %v", name, f.GetType(), typ)
	}
	if f.GetHelp() == "" {
		t.Errorf("%s has no help text", name)
	}
	return f
}

// metric finds the sample of name whose labels are the given pairs.
func (s scraped) metric(t *testing.T, name string, typ dto.MetricType, labels ...string) *dto.Metric {
	t.Helper()
	f := s.family(t, name, typ)
	for _, m := range f.GetMetric() {
		if hasLabels(m, labels) {
			return m
		}
	}
	t.Fatalf("no %s with labels %v", name, labels)
	return nil
}

func (s scraped) has(name string, labels ...string) bool {
	f, ok := s[name]
	if !ok {
		return false
	}
	for _, m := range f.GetMetric() {
		if hasLabels(m, labels) {
			return true
		}
	}
	return false
}

func hasLabels(m *dto.Metric, pairs []string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	if len(got) != len(pairs)/2 {
		return false
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if got[pairs[i]] != pairs[i+1] {
			return false
		}
	}
	return true
}

func (s scraped) counter(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	return s.metric(t, name, dto.MetricType_COUNTER, labels...).GetCounter().GetValue()
}

func (s scraped) gauge(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	return s.metric(t, name, dto.MetricType_GAUGE, labels...).GetGauge().GetValue()
}

func (s scraped) histogram(t *testing.T, name string) *dto.Histogram {
	t.Helper()
	return s.metric(t, name, dto.MetricType_HISTOGRAM).GetHistogram()
}
