package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"go.uber.org/zap/zaptest"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/internal/demo"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/storage"
	"github.com/gorosys/rosys/ui"
)

// The dashboard on the virtual-clock demo robot, with the hardware status
// hardware gives (nil: the demo's own).
func layoutServer(t *testing.T, hardware func(*demo.Robot) func() any) (*httptest.Server, *demo.Robot, *rosystest.Robot) {
	t.Helper()
	r := rosystest.New(t, rosys.Config{Name: "demo", ControlPeriod: 50 * time.Millisecond})
	robot, err := demo.Add(r.Runtime)
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	hw := robot.Hardware
	if hardware != nil {
		hw = hardware(robot)
	}
	api := ui.NewServer(r.Runtime, ui.WithHardware(hw), operation(robot))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Cleanup(api.CloseStreams)
	return srv, robot, r
}

// namedRobot runs the demo robot named name on the real clock, as `rosys
// run` does, so that the page shows what the robot does (the e-stop
// stops it on the next tick).
func namedRobot(t *testing.T, name string) (*demo.Robot, *httptest.Server) {
	t.Helper()
	rt := rosys.New(rosys.Config{Name: name, Storage: storage.New(persistencetest.Open(t, t.TempDir()), nil), Log: zaptest.NewLogger(t),
		Notifier: rosystest.NoNotify{}, DisableRealtime: true})
	robot, err := demo.Add(rt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	select {
	case <-rt.Ready():
	case err := <-done:
		t.Fatal(err)
	}
	api := ui.NewServer(rt, ui.WithHardware(robot.Hardware), operation(robot))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Cleanup(api.CloseStreams)
	return robot, srv
}

// box is an element's bounding box and the viewport it is in, in CSS px.
type box struct {
	Left, Top, Right, Bottom float64
	ViewW, ViewH             float64
	ScrollW                  float64 // the page's width: wider than ViewW means sideways scrolling
	InnerW                   float64 // wider than ViewW: a phone zoomed out to fit a page too wide
	Hit                      bool    // the element is what a tap at its centre reaches
}

const estopBox = `(() => { const e = document.querySelector('#estop'), r = e.getBoundingClientRect();
	const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
	return {Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom, ViewW: document.documentElement.clientWidth, ViewH: window.innerHeight,
		InnerW: window.innerWidth,
		ScrollW: document.documentElement.scrollWidth, Hit: hit === e || e.contains(hit)}; })()`

func (b box) inside() error {
	switch {
	case b.Right-b.Left < 40 || b.Bottom-b.Top < 30:
		return fmt.Errorf("E-STOP is only %.0f×%.0f px", b.Right-b.Left, b.Bottom-b.Top)
	case b.Left < 0 || b.Top < 0 || b.Right > b.ViewW || b.Bottom > b.ViewH:
		return fmt.Errorf("E-STOP at x %.0f–%.0f, y %.0f–%.0f is not inside the %.0f×%.0f viewport", b.Left, b.Right, b.Top, b.Bottom, b.ViewW, b.ViewH)
	case b.InnerW > b.ViewW:
		return fmt.Errorf("the page is zoomed out to %.0f px to fit a %.0f px screen", b.InnerW, b.ViewW)
	case b.ScrollW > b.ViewW:
		return fmt.Errorf("the page is %.0f px wide in a %.0f px viewport: it scrolls sideways", b.ScrollW, b.ViewW)
	case !b.Hit:
		return fmt.Errorf("something covers the E-STOP")
	}
	return nil
}

func viewport(w, h int64) chromedp.Action {
	if w < 800 { // phones and tablets: the meta viewport counts, as on the device
		return chromedp.EmulateViewport(w, h, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	return chromedp.EmulateViewport(w, h)
}

func saveViewport(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil { // what the screen shows, unscrolled
		t.Fatal(err)
	}
	writeArtifact(t, name, png)
}

// Issue 22: on a phone the E-STOP sat off the screen. At every width from
// 320 px it is inside the viewport, uncovered, with no sideways scrolling,
// still there when the page is scrolled to its end, and a tap on it
// presses it — also with a long robot name and in its wider pressed state.
func TestEStopOnScreenAtEveryWidth(t *testing.T) {
	browserTest(t)
	robot, srv := namedRobot(t, "north-paddock-weeding-robot-with-a-long-name-07")
	ctx := newBrowser(t)
	errs := consoleErrors(ctx)
	if err := chromedp.Run(ctx, viewport(390, 844), chromedp.Navigate(srv.URL),
		poll(`document.querySelector('#state').textContent === 'running'`),
		poll(`document.querySelector('#scale-label').textContent !== ''`)); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, what string) {
		t.Helper()
		var b box
		if err := chromedp.Run(ctx, chromedp.Evaluate(estopBox, &b)); err != nil {
			t.Fatal(err)
		}
		if err := b.inside(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	for _, vp := range []struct{ w, h int64 }{{320, 568}, {390, 844}, {412, 915}, {768, 1024}, {1366, 768}} {
		t.Run(fmt.Sprint(vp.w, "px"), func(t *testing.T) {
			if err := chromedp.Run(ctx, viewport(vp.w, vp.h), chromedp.Evaluate(`window.scrollTo(0, 0)`, nil),
				poll(fmt.Sprintf(`document.documentElement.clientWidth === %d`, vp.w))); err != nil {
				t.Fatal(err)
			}
			check(t, "at the top")
			var at box
			if err := chromedp.Run(ctx, chromedp.Evaluate(estopBox, &at)); err != nil {
				t.Fatal(err)
			}
			t.Logf("E-STOP at x %.0f–%.0f, y %.0f–%.0f of %.0f×%.0f", at.Left, at.Right, at.Top, at.Bottom, at.ViewW, at.ViewH)
			saveViewport(t, ctx, fmt.Sprintf("dashboard-%dpx.png", vp.w))
			if err := chromedp.Run(ctx, chromedp.Evaluate(`window.scrollTo(0, document.documentElement.scrollHeight)`, nil),
				poll(`window.scrollY > 0`)); err != nil {
				t.Fatal(err)
			}
			check(t, "scrolled to the end")
			// Pressed, it reads RELEASE E-STOP: wider, and must still fit.
			var b box
			if err := chromedp.Run(ctx, chromedp.Evaluate(estopBox, &b)); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Run(ctx, chromedp.MouseClickXY((b.Left+b.Right)/2, (b.Top+b.Bottom)/2),
				poll(`document.querySelector('#estop').getAttribute('aria-pressed') === 'true'`)); err != nil {
				t.Fatal(err)
			}
			if !robot.SoftEStop.Active() {
				t.Fatal("the tap on E-STOP did not press the soft e-stop")
			}
			check(t, "pressed")
			if vp.w == 320 {
				saveViewport(t, ctx, "dashboard-320px-estop-pressed.png")
			}
			if err := chromedp.Run(ctx, chromedp.Click("#estop", chromedp.ByID),
				poll(`document.querySelector('#estop').getAttribute('aria-pressed') === 'false'`)); err != nil {
				t.Fatal(err)
			}
			// A snapshot from before the release, delivered after its
			// answer (a loaded machine does that), must not show the
			// e-stop pressed again: the next tap would release it.
			var shown string
			if err := chromedp.Run(ctx, chromedp.Evaluate(`showEStop(true, 0); document.querySelector('#estop').getAttribute('aria-pressed')`, &shown)); err != nil {
				t.Fatal(err)
			}
			if shown != "false" || robot.SoftEStop.Active() {
				t.Fatalf("a stale snapshot shows the e-stop pressed (%s) or the robot's is (%v)", shown, robot.SoftEStop.Active())
			}
		})
	}
	t.Run("every width from 320 to 1400 px, and more", func(t *testing.T) {
		if err := chromedp.Run(ctx, chromedp.Evaluate(`window.scrollTo(0, 0)`, nil)); err != nil {
			t.Fatal(err)
		}
		sizes := [][2]int64{{568, 320}, {844, 390}, {1920, 1080}, {2560, 1440}} // phones held sideways, large screens
		for w := int64(320); w <= 1400; w += 10 {
			sizes = append(sizes, [2]int64{w, 700})
		}
		for _, sz := range sizes {
			if err := chromedp.Run(ctx, viewport(sz[0], sz[1]), poll(fmt.Sprintf(`document.documentElement.clientWidth === %d && window.innerHeight === %d`, sz[0], sz[1]))); err != nil {
				t.Fatal(err)
			}
			check(t, fmt.Sprintf("%d×%d px", sz[0], sz[1]))
		}
	})
	if e := errs(); len(e) != 0 {
		t.Fatalf("console errors: %v", e)
	}
}

// The map has a scale bar whose label is its true length on screen, and
// its axes are labelled in metres.
func TestMapHasScaleBarAndAxisLabels(t *testing.T) {
	browserTest(t)
	srv, _, _ := layoutServer(t, nil)
	ctx := newBrowser(t)
	for _, w := range []int64{320, 1366} {
		var got struct {
			Label          string
			Metres, BarPx  float64
			PxPerM         float64
			Labels         int
			XName, YName   bool
			BarInsideMapPx bool
		}
		if err := chromedp.Run(ctx, viewport(w, 800), chromedp.Navigate(srv.URL),
			poll(`document.querySelector('#scale-label').textContent !== ''`),
			chromedp.Evaluate(`(() => { const m = document.querySelector('#map'), vb = m.viewBox.baseVal, mr = m.getBoundingClientRect();
				const bar = document.querySelector('#scale-bar'), br = bar.getBoundingClientRect();
				const texts = [...document.querySelectorAll('#axis-labels text')].map(t => t.textContent);
				return {Label: document.querySelector('#scale-label').textContent, Metres: parseFloat(bar.dataset.metres),
					BarPx: br.width, PxPerM: m.clientWidth / vb.width, Labels: texts.filter(t => / c?m$/.test(t)).length,
					XName: texts.some(t => t.startsWith('x')), YName: texts.some(t => t.includes('y (north)')),
					BarInsideMapPx: br.left >= mr.left && br.right <= mr.right && br.top >= mr.top && br.bottom <= mr.bottom}; })()`, &got),
		); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%g m", got.Metres)
		if got.Metres < 1 {
			want = fmt.Sprintf("%g cm", got.Metres*100)
		}
		// The bar's drawn width is its length at the map's scale.
		if d := got.BarPx - got.Metres*got.PxPerM; got.Label != want || d < -1 || d > 1 || !got.BarInsideMapPx {
			t.Fatalf("%d px: scale bar %q for %g m drawn %.1f px at %.1f px/m (inside the map: %v)", w, got.Label, got.Metres, got.BarPx, got.PxPerM, got.BarInsideMapPx)
		}
		if got.Labels < 4 || !got.XName || !got.YName {
			t.Fatalf("%d px: %d tick labels, x named %v, y named %v", w, got.Labels, got.XName, got.YName)
		}
	}
}

// A page opened after the robot ran for a while starts its plots with the
// last 5 minutes the robot kept, with axes, not with an empty plot.
func TestPlotsStartWithTheRobotsHistory(t *testing.T) {
	browserTest(t)
	withBattery := func(robot *demo.Robot) func() any {
		return func() any {
			b, _ := json.Marshal(robot.Hardware())
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			m["drivers"] = map[string]any{"bms": map[string]any{"type": "battery", "percentage": 77.0}}
			return m
		}
	}
	srv, _, r := layoutServer(t, withBattery)
	r.Forward(6 * time.Minute)
	ctx := newBrowser(t)
	errs := consoleErrors(ctx)
	if err := chromedp.Run(ctx, viewport(1366, 900), chromedp.Navigate(srv.URL),
		poll(`document.querySelector('#state').textContent === 'running'`)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"jitter-plot", "battery-plot"} {
		// The points' left end, as a share of the time axis: history
		// reaches back 5 minutes (0); live points alone would sit at now (1).
		var got struct {
			Points      int
			From        float64
			YLabels     int
			XLabels     []string
			Unit        bool
			CardVisible bool
		}
		if err := chromedp.Run(ctx,
			poll(`document.querySelectorAll('#`+id+` polyline.series').length === 1 &&
				document.querySelector('#`+id+` polyline.series').getAttribute('points').split(' ').length > 250`),
			chromedp.Evaluate(`(() => { const s = document.querySelector('#`+id+`');
				const xs = s.querySelector('polyline.series').getAttribute('points').split(' ').map(p => parseFloat(p));
				const ax = [...s.querySelectorAll('text.x-label')].map(e => ({x: parseFloat(e.getAttribute('x')), t: e.textContent}));
				const x0 = ax.find(a => a.t === '−5').x, x1 = ax.find(a => a.t === 'now').x;
				const ys = [...s.querySelectorAll('text.y-label')].map(e => e.textContent);
				return {Points: xs.length, From: (Math.min(...xs) - x0) / (x1 - x0), YLabels: ys.length, XLabels: ax.map(a => a.t),
					Unit: ys.every(y => y.endsWith('`+map[string]string{"jitter-plot": "µs", "battery-plot": "%"}[id]+`')),
					CardVisible: !s.closest('section').hidden}; })()`, &got),
		); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if got.From > 0.02 || got.YLabels < 2 || !got.Unit || len(got.XLabels) != 6 || !got.CardVisible {
			t.Fatalf("%s: %+v", id, got)
		}
	}
	// The live value arrives with the next status push, which may come
	// after the history has drawn on a loaded machine: wait for it.
	if err := chromedp.Run(ctx, poll(`document.querySelector('#battery-value').textContent === '77 %'`)); err != nil {
		var battery string
		_ = chromedp.Run(ctx, chromedp.Text("#battery-value", &battery, chromedp.ByID))
		t.Fatalf("battery %q: %v", battery, err)
	}
	saveScreenshot(t, ctx, "dashboard-plots-history.png")
	if e := errs(); len(e) != 0 {
		t.Fatalf("console errors: %v", e)
	}
}
