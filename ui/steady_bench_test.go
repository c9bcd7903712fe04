package ui_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/internal/demo"
	"github.com/gorosys/rosys/metrics"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/storage"
	"github.com/gorosys/rosys/ui"
	"go.uber.org/zap"
)

// The steady-state HTTP paths (issue 28, goal 1): a dashboard polling
// /api/status, an open event stream and a Prometheus scrape must not make
// the garbage that wakes the collector. The benchmarks measure one of each
// on the demo robot; steady_alloc_test.go pins their allocations.

// steadyServer is the demo robot as `rosys run` serves it (hardware,
// operation, metrics), run for a few seconds of virtual time so that the
// loop's statistics are full.
func steadyServer(tb testing.TB) (*ui.Server, *rosystest.Robot) {
	tb.Helper()
	r := rosystest.New(tb, rosys.Config{Name: "demo", Log: zap.NewNop()})
	robot, err := demo.Add(r.Runtime)
	if err != nil {
		tb.Fatal(err)
	}
	reg, err := metrics.NewRegistry(r.Runtime)
	if err != nil {
		tb.Fatal(err)
	}
	r.Start()
	api := ui.NewServer(r.Runtime, ui.WithHardware(robot.Hardware), operation(robot), ui.WithMetrics(reg))
	tb.Cleanup(api.CloseStreams)
	// Past the first backup cycle (10 s), so that every run encodes the
	// same state: the waypoints driven, the pose and the automation saved
	// (a saved module has a last_saved time more to encode).
	r.Forward(12 * time.Second)
	r.ForwardUntil(func() bool {
		st := storage.StatusOf(r.Runtime)
		return st.Backup.Cycles > 0 && st.Backup.PendingCount == 0
	}, 10*time.Second)
	return api, r
}

// discardResponse is a ResponseWriter that keeps nothing but the size of
// the body, reusing its header map, so that only the handler's own
// allocations are counted.
type discardResponse struct {
	h    http.Header
	code int
	n    int
}

func (d *discardResponse) Header() http.Header { return d.h }
func (d *discardResponse) WriteHeader(code int) {
	d.code = code
}
func (d *discardResponse) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }
func (d *discardResponse) Flush()                      {}

func (d *discardResponse) reset() {
	clear(d.h)
	d.code, d.n = 0, 0
}

func newDiscard() *discardResponse { return &discardResponse{h: http.Header{}} }

func loopbackGet(path string) *http.Request {
	req, _ := http.NewRequest("GET", "http://127.0.0.1:8080"+path, nil)
	req.RemoteAddr = "127.0.0.1:40000"
	return req
}

// serveOnce answers req on api into w, failing on anything but 200.
func serveOnce(tb testing.TB, api http.Handler, w *discardResponse, req *http.Request) {
	w.reset()
	api.ServeHTTP(w, req)
	if w.code != 0 && w.code != http.StatusOK || w.n == 0 {
		tb.Fatalf("%s: %d, %d bytes", req.URL.Path, w.code, w.n)
	}
}

func BenchmarkStatus(b *testing.B) {
	api, _ := steadyServer(b)
	w, req := newDiscard(), loopbackGet("/api/status")
	serveOnce(b, api, w, req)
	b.SetBytes(int64(w.n))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		serveOnce(b, api, w, req)
	}
}

// BenchmarkEvent is one event of /api/events: the snapshot built and
// encoded as the stream sends it every eventsEvery while anything shown
// changes (the loop's figures nearly always do).
func BenchmarkEvent(b *testing.B) {
	api, _ := steadyServer(b)
	var es ui.EventStream
	ev, err := api.NextEvent(&es)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(ev)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := api.NextEvent(&es); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMetricsScrape(b *testing.B) {
	api, _ := steadyServer(b)
	w, req := newDiscard(), loopbackGet("/metrics")
	serveOnce(b, api, w, req)
	b.SetBytes(int64(w.n))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		serveOnce(b, api, w, req)
	}
}
