package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/gnss/gnsstest"
	"github.com/gorosys/rosys/hardware"
)

// TestGNSSEndToEnd runs the real binary with hardware.gnss on the
// simulated receiver's pty: the fix shows in /api/status at
// hardware.drivers.gnss, placed in the frame of the first fix.
func TestGNSSEndToEnd(t *testing.T) {
	endToEnd(t)
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

func near(a, b, tol float64) bool { return a-b <= tol && b-a <= tol }
