package ui_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/metrics"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/ui"
)

func metricsServer(t *testing.T, opts ...ui.Option) string {
	t.Helper()
	r := rosystest.New(t, rosys.Config{})
	r.Start()
	reg, err := metrics.NewRegistry(r.Runtime)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui.NewServer(r.Runtime, append(opts, ui.WithMetrics(reg))...))
	t.Cleanup(srv.Close)
	return srv.URL
}

func getMetrics(t *testing.T, url, host, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if host != "" {
		req.Host = host
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// /metrics follows the API's token rules: with a token, only a scraper
// sending it as a Bearer header is served, never ?token=.
func TestMetricsNeedTheToken(t *testing.T) {
	url := metricsServer(t, ui.WithToken("s3cret"))
	for _, tc := range []struct {
		path, auth string
		code       int
	}{
		{"/metrics", "", 401},
		{"/metrics", "Bearer wrong", 401},
		{"/metrics", "s3cret", 401},
		{"/metrics?token=s3cret", "", 401},
		{"/metrics", "Bearer s3cret", 200},
	} {
		code, body := getMetrics(t, url+tc.path, "", tc.auth)
		if code != tc.code {
			t.Errorf("%s with %q: %d, want %d", tc.path, tc.auth, code, tc.code)
		}
		if code != 200 && strings.Contains(body, "rosys_") {
			t.Errorf("%s with %q: refused, but the metrics were sent", tc.path, tc.auth)
		}
		if code == 200 && !strings.Contains(body, "# TYPE rosys_control_ticks_total counter") {
			t.Errorf("no metrics in %q", body[:min(len(body), 200)])
		}
	}
	// With a token, any Host is served (the robot is reached by name).
	if code, _ := getMetrics(t, url+"/metrics", "robot.example:8080", "Bearer s3cret"); code != 200 {
		t.Errorf("Host robot.example with the token: %d", code)
	}
}

// Without a token, only names of this machine are served (DNS rebinding),
// as for the API.
func TestMetricsHostRules(t *testing.T) {
	url := metricsServer(t)
	for host, want := range map[string]int{"": 200, "localhost:8080": 200, "127.0.0.1": 200, "evil.example": 403, "192.0.2.7:8080": 403} {
		if code, _ := getMetrics(t, url+"/metrics", host, ""); code != want {
			t.Errorf("Host %q: %d, want %d", host, code, want)
		}
	}
	req, _ := http.NewRequest("POST", url+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %d", resp.StatusCode)
	}
}
