package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/boards"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/gnss"
	"github.com/gorosys/rosys/drivers/gnss/gnsstest"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"go.uber.org/zap/zaptest"
)

// TestGNSSEndToEnd runs the real binary with hardware.gnss on the
// simulated receiver's pty: the fix shows in /api/status at
// hardware.drivers.gnss, placed in the frame of the first fix.
func TestGNSSEndToEnd(t *testing.T) {
	dir := t.TempDir()
	ref, err := hardware.NewGeoReference(48.1173, 11.5167)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "ttyGNSS0")
	rx, err := gnsstest.Start(gnsstest.Config{Link: link, Reference: ref, Period: 50 * time.Millisecond,
		Pose: func() hardware.Pose { return hardware.Pose{X: 5, Y: -2, Yaw: 0.3} }})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	cfg := filepath.Join(dir, "robot.yaml")
	yaml := "name: gnss-e2e\nboard: auto\nhardware:\n  gnss: {port: " + link + ", stale_after: 5s}\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startRosys(t, "--config", cfg, "--data-dir", filepath.Join(dir, "data"))
	// Logged right after the first fix is published (the rest of its
	// burst, GST and HDT, may still be on the way: the driver's tests
	// cover those).
	p.waitLog("local frame reference taken from the first fix")

	_, status := p.do("GET", "/api/status", "")
	g := status["hardware"].(map[string]any)["drivers"].(map[string]any)["gnss"].(map[string]any)
	r := g["reference"].(map[string]any)
	lat, lon := ref.ToGeo(5, -2)
	if g["source"] != "serial "+link || g["connected"] != true || g["fix"] != true || g["stale"] != false || g["quality"] != "rtk_fixed" ||
		r["source"] != "first_fix" || !near(r["lat"].(float64), lat, 1e-8) || !near(r["lon"].(float64), lon, 1e-8) ||
		!near(g["x"].(float64), 0, 1e-3) || !near(g["y"].(float64), 0, 1e-3) || g["bad_sentences"] != 0.0 {
		t.Fatalf("gnss status %v", g)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// With board sim, hardware.gnss is the simulated twin: it reports the
// odometry around the configured reference, in the same status.
func TestSimBoardGNSSIsTheTwin(t *testing.T) {
	cfg, err := config.Parse([]byte("board: sim\nhardware:\n  gnss:\n    port: /dev/ttyACM0\n    reference: {lat: 50.1, lon: 8.6}\n"))
	if err != nil {
		t.Fatal(err)
	}
	hw, err := buildHardware(cfg, boards.Profile{}, nil, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := hw.GNSS.(*sim.GNSS)
	if !ok || len(hw.Drivers) != 1 || hw.Drivers[0].Name != "gnss" {
		t.Fatalf("hardware %+v", hw)
	}
	st := hw.Status().(map[string]any)["gnss"].(gnss.Status)
	if st.Fix || !st.Stale || st.Source != "sim" || st.Reference.Lat != 50.1 {
		t.Fatalf("before the first step: %+v", st)
	}
	followSimGNSS(hw, hardware.NewOdometry(hardware.Pose{X: 3, Y: 4, Yaw: 1}))
	s.Step(time.Now(), 10*time.Millisecond)
	st = hw.Status().(map[string]any)["gnss"].(gnss.Status)
	if !st.Fix || st.Stale || *st.X != 3 || *st.Y != 4 || *st.Yaw != 1 || st.Quality != "rtk_fixed" || !strings.HasPrefix(st.HeadingSource, "true") {
		t.Fatalf("after a step: %+v", st)
	}
	// Without hardware.gnss there is none.
	cfg, _ = config.Parse([]byte("board: sim\n"))
	if hw, err := buildHardware(cfg, boards.Profile{}, nil, zaptest.NewLogger(t)); err != nil || hw.GNSS != nil || hw.Status != nil {
		t.Fatalf("%+v %v", hw, err)
	}
}

func near(a, b, tol float64) bool { return a-b <= tol && b-a <= tol }
