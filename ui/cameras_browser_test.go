package ui_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/gorosys/rosys/config"
	assembly "github.com/gorosys/rosys/robot"
	"go.uber.org/zap/zaptest"
)

// Issue 27.4: the dashboard's camera tile shows the simulated camera's
// frames (the stream decoded in the <img>), its status and the detections
// drawn over the image; the map shows the camera's footprint and the
// detections on the ground; at a phone's width and a desktop's.
func TestDashboardCameraTile(t *testing.T) {
	browserTest(t)
	p := filepath.Join(t.TempDir(), "robot.yaml")
	if err := os.WriteFile(p, []byte(`name: eyes
board: sim
http: 127.0.0.1:0
cameras:
  - {id: ground, kind: sim, fps: 5, detector: {kind: sim, interval: 500ms}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := assembly.New(cfg, assembly.Options{DataDir: t.TempDir(), Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	<-r.Runtime.Ready()
	url := "http://" + r.Addr() + "/"

	bctx := newBrowser(t)
	errs := consoleErrors(bctx)
	const tile = `document.querySelector('.camera-tile[data-camera="ground"]')`
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
		if err := chromedp.Run(bctx, viewport(vp.w, vp.h), chromedp.Navigate(url),
			// Frames from the stream: the <img> decoded one at the camera's size.
			poll(tile+` && `+tile+`.querySelector('img').naturalWidth === 640 && `+tile+`.querySelector('img').naturalHeight === 480`),
			poll(tile+`.querySelector('.badge').textContent.endsWith('fps')`),
			// Detections over the image: the five markers, by name.
			poll(tile+`.querySelectorAll('.camera-overlay circle.detection').length === 5 && [...`+tile+
				`.querySelectorAll('.camera-overlay text')].some(e => e.textContent.startsWith('red '))`),
			// The footprint on the map, and the detections on the ground inside the map's view.
			poll(`(() => { const p = document.querySelector('#camera-layer polygon.camera-footprint[data-camera="ground"]');
				return p && p.points.numberOfItems >= 4; })()`),
			poll(`document.querySelectorAll('#camera-layer circle.ground-detection').length >= 5`),
			poll(`(() => { const vb = document.getElementById('map').viewBox.baseVal;
				return [...document.querySelectorAll('#camera-layer circle.ground-detection')].every(c =>
				  c.cx.baseVal.value >= vb.x && c.cx.baseVal.value <= vb.x + vb.width && c.cy.baseVal.value >= vb.y && c.cy.baseVal.value <= vb.y + vb.height); })()`),
			// The tile fits the page's width.
			poll(tile+`.getBoundingClientRect().right <= document.documentElement.clientWidth + 1 && `+tile+`.getBoundingClientRect().width > 200`),
		); err != nil {
			t.Fatalf("%s: %v", vp.name, err)
		}
		saveScreenshot(t, bctx, fmt.Sprintf("dashboard-cameras-%s.png", vp.name))
	}
	if e := errs(); len(e) > 0 {
		t.Fatalf("console errors: %v", e)
	}
}
