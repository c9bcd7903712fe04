package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsEndToEnd scrapes the real binary running the real serial
// driver against the simulated controller on a pty, with a token: the
// token is required, the loop's counters move, and a bad line from the
// controller shows as a bad serial line.
func TestMetricsEndToEnd(t *testing.T) {
	endToEnd(t)
	r := newSerialRig(t, "")
	r.yaml = "http_token: scrape-me-scrape-me\n" + r.yaml
	writeConfig(t, r)
	p := startRosys(t, "--config", r.cfg, "--data-dir", filepath.Join(r.dir, "data"))
	waitCommand(t, r.cmds, func(c string) bool { return strings.HasPrefix(c, "wheels.speed(0.300,") })

	if code := scrapeStatus(t, p, ""); code != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d", code)
	}
	before := scrapeBinary(t, p, "scrape-me-scrape-me")
	if err := r.ctrl.SendRaw([]byte("core 1 9.000 9.000 false@00\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := r.ctrl.Send("after-the-bad-line"); err != nil {
		t.Fatal(err)
	}
	p.waitLogField("controller says", "line", "after-the-bad-line") // lines are handled in order
	after := scrapeBinary(t, p, "scrape-me-scrape-me")

	value := func(s map[string]*dto.MetricFamily, name string, labels ...string) float64 {
		t.Helper()
		f, ok := s[name]
		if !ok {
			t.Fatalf("no %s", name)
		}
	next:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range m.GetLabel() {
					found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
				}
				if !found {
					continue next
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				return m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
		t.Fatalf("no %s%v", name, labels)
		return 0
	}
	bad := func(s map[string]*dto.MetricFamily) float64 {
		return value(s, "rosys_serial_lines_total", "driver", "lizard", "result", "bad")
	}
	if bad(before) != 0 || bad(after) != 1 {
		t.Fatalf("bad lines %v then %v", bad(before), bad(after))
	}
	if g0, g1 := value(before, "rosys_serial_lines_total", "result", "good"), value(after, "rosys_serial_lines_total", "result", "good"); g0 == 0 || g1 <= g0 {
		t.Fatalf("good lines %v then %v", g0, g1)
	}
	// The two scrapes may fall between the same two ticks of the real
	// control loop: scrape again until it has ticked (bounded).
	t0, t1 := value(before, "rosys_control_ticks_total"), value(after, "rosys_control_ticks_total")
	for deadline := time.Now().Add(10 * time.Second); t1 <= t0 && time.Now().Before(deadline); {
		after = scrapeBinary(t, p, "scrape-me-scrape-me")
		t1 = value(after, "rosys_control_ticks_total")
	}
	if t1 <= t0 || value(after, "rosys_control_step_seconds") < t1 {
		t.Fatalf("ticks %v then %v; step histogram counts %v", t0, t1, value(after, "rosys_control_step_seconds"))
	}
	// The controller sends a core message every 10 ms; a bound, not a wait.
	if age := value(after, "rosys_sensor_age_seconds", "driver", "lizard", "sensor", "core"); age < 0 || age > 5 {
		t.Fatalf("core sensor age %v s", age)
	}
	value(after, "rosys_module_pending", "module", "model")
	if value(after, "go_goroutines") < 1 || value(after, "process_open_fds") < 1 {
		t.Fatal("Go or process metrics")
	}
}

func writeConfig(t *testing.T, r *serialRig) {
	t.Helper()
	if err := os.WriteFile(r.cfg, []byte(r.yaml), 0o644); err != nil {
		t.Fatal(err)
	}
}

func scrapeStatus(t *testing.T, p *proc, token string) int {
	t.Helper()
	resp := scrapeGet(t, p, token)
	resp.Body.Close()
	return resp.StatusCode
}

func scrapeGet(t *testing.T, p *proc, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+p.addr+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func scrapeBinary(t *testing.T, p *proc, token string) map[string]*dto.MetricFamily {
	t.Helper()
	resp := scrapeGet(t, p, token)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// waitLogField waits for a log line with message msg whose field key is
// value.
func (p *proc) waitLogField(msg, key, value string) {
	p.t.Helper()
	timeout := time.After(30 * time.Second)
	for i := 0; ; {
		p.mu.Lock()
		for ; i < len(p.lines); i++ {
			if p.lines[i]["msg"] == msg && p.lines[i][key] == value {
				p.mu.Unlock()
				return
			}
		}
		more := p.more
		p.mu.Unlock()
		select {
		case <-more:
		case <-p.done:
			p.t.Fatalf("process ended without logging %q with %s=%q; log:\n%s", msg, key, value, p.log())
		case <-timeout:
			p.t.Fatalf("no %q with %s=%q in the log:\n%s", msg, key, value, p.log())
		}
	}
}
