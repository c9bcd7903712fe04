package ui_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// dragTarget picks a start and an end on the map, in the map's metres,
// and where they are on the screen (CSS pixels): the start a third into
// the view, the end 0.6 m along x and 0.4 m along y from it.
const dragTarget = `(() => {
	const svg = document.querySelector('#map'), vb = svg.viewBox.baseVal, m = svg.getScreenCTM();
	const sx = vb.x + vb.width / 3, sy = vb.y + vb.height * 0.6;
	const ex = sx + 0.6, ey = sy - 0.4; // SVG y points down: -0.4 is +0.4 m of y
	const a = new DOMPoint(sx, sy).matrixTransform(m), b = new DOMPoint(ex, ey).matrixTransform(m);
	return {x: sx, y: -sy, yaw: Math.atan2(0.4, 0.6), ax: a.x, ay: a.y, bx: b.x, by: b.y, px: m.a};
})()`

type drag struct {
	X, Y, Yaw      float64
	AX, AY, BX, BY float64
	PX             float64 // screen pixels per metre
}

// The operator sets the pose on the map: "Set pose", press at the place,
// drag toward the heading, let go; with a mouse at desktop width and with
// a finger at phone width. The robot's pose (the odometry) becomes the
// dragged one, within a pixel's worth, and the page shows it.
func TestSetPoseOnTheMap(t *testing.T) {
	browserTest(t)
	robot, srv := realRobot(t)
	if err := robot.Automator.Stop(); err != nil { // the new robot's first run
		t.Fatal(err)
	}
	waitStill(t, robot.Wheels, "the stopped robot to stand still")
	for _, tc := range []struct {
		name  string
		w, h  int64
		touch bool
	}{{"desktop mouse", 1280, 900, false}, {"phone touch", 390, 844, true}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := newBrowser(t)
			errs := consoleErrors(ctx)
			if err := chromedp.Run(ctx, viewport(tc.w, tc.h), chromedp.Navigate(srv.URL),
				poll(`document.querySelector('#automation-state').textContent === 'stopped'`),
				poll(`document.querySelectorAll('#waypoints circle').length === 4`),
				chromedp.ScrollIntoView("#map", chromedp.ByID),
				chromedp.Click("#set-pose", chromedp.ByID),
				poll(`document.querySelector('#set-pose').getAttribute('aria-pressed') === 'true'`),
			); err != nil {
				t.Fatal(err)
			}
			var d drag
			if err := chromedp.Run(ctx, chromedp.Evaluate(dragTarget, &d)); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Run(ctx, dragActions(d, tc.touch)...); err != nil {
				t.Fatal(err)
			}
			tol := 2 / d.PX // two pixels in metres
			deadline := time.Now().Add(20 * time.Second)
			for {
				p := robot.Pose.Pose()
				if math.Abs(p.X-d.X) <= tol && math.Abs(p.Y-d.Y) <= tol && math.Abs(p.Yaw-d.Yaw) < 0.05 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("pose %+v; dragged x %.3f, y %.3f, yaw %.3f (tolerance %.3f m)", p, d.X, d.Y, d.Yaw, tol)
				}
				time.Sleep(20 * time.Millisecond)
			}
			// The page shows the robot there, and says so.
			want := fmt.Sprintf("x %.2f m, y %.2f m", d.X, d.Y)
			if err := chromedp.Run(ctx,
				poll(`document.querySelector('#pose-result').textContent.startsWith('pose set: ')`),
				poll(`document.querySelector('#set-pose').getAttribute('aria-pressed') === 'false'`),
				poll(`(() => { const m = document.querySelector('#robot').getAttribute('transform').match(/translate\(([-\d.]+) ([-\d.]+)\) rotate\(([-\d.]+)\)/);
					return m && Math.abs(parseFloat(m[1]) - `+ftoa(d.X)+`) < 0.02 && Math.abs(parseFloat(m[2]) + `+ftoa(d.Y)+`) < 0.02 &&
						Math.abs(parseFloat(m[3]) + `+ftoa(d.Yaw*180/math.Pi)+`) < 3; })()`),
			); err != nil {
				var text string
				_ = chromedp.Run(ctx, chromedp.Text("#pose-result", &text, chromedp.ByID))
				t.Fatalf("%v (result %q, want about %q)", err, text, want)
			}
			saveScreenshot(t, ctx, "dashboard-set-pose-"+fmt.Sprint(tc.w)+".png")
			if e := errs(); len(e) > 0 {
				t.Fatalf("console errors: %v", e)
			}
		})
	}
}

// dragActions presses at A, moves to B in steps and lets go: with the
// mouse, or with one finger.
func dragActions(d drag, touch bool) []chromedp.Action {
	var acts []chromedp.Action
	const steps = 6
	at := func(i int) (float64, float64) {
		f := float64(i) / steps
		return d.AX + (d.BX-d.AX)*f, d.AY + (d.BY-d.AY)*f
	}
	if !touch {
		acts = append(acts, input.DispatchMouseEvent(input.MousePressed, d.AX, d.AY).WithButton(input.Left).WithClickCount(1))
		for i := 1; i <= steps; i++ {
			x, y := at(i)
			acts = append(acts, input.DispatchMouseEvent(input.MouseMoved, x, y).WithButton(input.Left))
		}
		return append(acts, input.DispatchMouseEvent(input.MouseReleased, d.BX, d.BY).WithButton(input.Left).WithClickCount(1))
	}
	point := func(x, y float64) []*input.TouchPoint { return []*input.TouchPoint{{X: x, Y: y, ID: 1}} }
	acts = append(acts, input.DispatchTouchEvent(input.TouchStart, point(d.AX, d.AY)))
	for i := 1; i <= steps; i++ {
		x, y := at(i)
		acts = append(acts, input.DispatchTouchEvent(input.TouchMove, point(x, y)))
	}
	return append(acts, input.DispatchTouchEvent(input.TouchEnd, []*input.TouchPoint{}))
}
