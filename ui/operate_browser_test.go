package ui_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/internal/demo"
	"github.com/gorosys/rosys/internal/testwait"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/storage"
	"github.com/gorosys/rosys/ui"
	"go.uber.org/zap/zaptest"
)

// realRobot runs the demo robot on the real clock, as `rosys run` does, so
// the page's joystick and the deadman run in real time.
func realRobot(t *testing.T) (*demo.Robot, *httptest.Server) {
	t.Helper()
	robot, api := realRobotAPI(t)
	srv := httptest.NewServer(api)
	t.Cleanup(func() { api.CloseStreams(); srv.Close() }) // open pages hold event streams
	return robot, srv
}

// realRobotAPI is realRobot without the HTTP server: its API, to serve as
// a test likes.
func realRobotAPI(t *testing.T) (*demo.Robot, *ui.Server) {
	t.Helper()
	rt := rosys.New(rosys.Config{Name: "demo", Storage: storage.New(persistencetest.Open(t, t.TempDir()), nil), Log: zaptest.NewLogger(t),
		Notifier: rosystest.NoNotify{}, DisableRealtime: true, SharedP: true})
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
	t.Cleanup(api.CloseStreams)
	return robot, api
}

// steerSettled is true once the page has no joystick command queued or
// on its way (operate.js sends them one at a time).
const steerSettled = `(steerBusy === null && steerNext === null)`

// robotX is the x of the robot drawn on the map.
const robotX = `(() => { const m = document.querySelector('#robot').getAttribute('transform').match(/translate\(([-\d.]+) ([-\d.]+)\)/);
	return m ? parseFloat(m[1]) : NaN; })()`

func key(typ input.KeyType, code string, vk int64) chromedp.Action {
	return input.DispatchKeyEvent(typ).WithCode(code).WithKey(code).WithWindowsVirtualKeyCode(vk)
}

// waitStill waits for a measured velocity of zero.
func waitStill(t *testing.T, w hardware.Wheels, what string) {
	t.Helper()
	ch, cancel := w.SubscribeVelocity(64)
	defer cancel()
	testwait.For(t, ch, what, func(v hardware.Velocity) bool { return v.Linear == 0 && v.Angular == 0 })
}

func TestOperatingFromTheDashboard(t *testing.T) {
	browserTest(t)
	robot, srv := realRobot(t)
	if err := robot.Automator.Stop(); err != nil { // the new robot's first run
		t.Fatal(err)
	}
	waitStill(t, robot.Wheels, "the stopped robot to stand still")
	ctx := newBrowser(t)
	errs := consoleErrors(ctx)
	if err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL),
		poll(`document.querySelector('#automation-state').textContent === 'stopped'`),
		poll(`document.querySelectorAll('#waypoints circle').length === 4`),
	); err != nil {
		t.Fatal(err)
	}
	var x0 float64
	if err := chromedp.Run(ctx, chromedp.Evaluate(robotX, &x0)); err != nil {
		t.Fatal(err)
	}

	t.Run("play moves the robot on the map", func(t *testing.T) {
		if err := chromedp.Run(ctx,
			chromedp.Click("#play", chromedp.ByID),
			poll(`document.querySelector('#automation-state').textContent === 'running'`),
			poll(robotX+` > `+ftoa(x0+0.3)),
			poll(`document.querySelector('#carrot').getAttribute('visibility') === 'visible'`),
			poll(`document.querySelector('#path').getAttribute('points').split(' ').length > 5`),
			poll(`document.querySelector('#trail').getAttribute('points').split(' ').length > 10`),
		); err != nil {
			t.Fatal(err)
		}
		saveScreenshot(t, ctx, "dashboard-driving.png")
	})

	t.Run("the e-stop stops it and resume is refused", func(t *testing.T) {
		if err := chromedp.Run(ctx,
			chromedp.Click("#estop", chromedp.ByID),
			poll(`document.querySelector('#estop').getAttribute('aria-pressed') === 'true'`),
			poll(`document.querySelector('#automation-state').textContent === 'paused'`),
			poll(`document.querySelector('#automation-reason').textContent.includes('soft estop')`),
		); err != nil {
			t.Fatal(err)
		}
		if tgt := robot.SimWheels.Target(); tgt.Linear != 0 || tgt.Angular != 0 {
			t.Fatalf("wheels commanded %+v with the e-stop pressed", tgt)
		}
		waitStill(t, robot.Wheels, "the robot to stop")
		if err := chromedp.Run(ctx,
			poll(`[...document.querySelectorAll('#hardware dd')].some(dd => dd.textContent === '0.00 m/s, 0.00 rad/s')`),
			// Play is disabled while a stop is active, and the page says why.
			poll(`document.querySelector('#play').disabled && document.querySelector('#stops').textContent.includes('soft estop')`),
		); err != nil {
			t.Fatal(err)
		}
		saveScreenshot(t, ctx, "dashboard-estop.png")
		if robot.Automator.Status().State != automation.Paused {
			t.Fatal("resumed with the e-stop pressed")
		}
		if err := chromedp.Run(ctx,
			chromedp.Click("#estop", chromedp.ByID),
			poll(`document.querySelector('#estop').getAttribute('aria-pressed') === 'false'`),
			poll(`!document.querySelector('#play').disabled`), // the next snapshot: no stop left
			chromedp.Click("#play", chromedp.ByID),            // resume
			poll(`document.querySelector('#automation-state').textContent === 'running'`),
		); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("the joystick drives with the keyboard; letting go stops", func(t *testing.T) {
		if err := chromedp.Run(ctx,
			chromedp.Focus("#joystick", chromedp.ByID),
			key(input.KeyDown, "ArrowUp", 38),
			poll(`[...document.querySelectorAll('#drive dd')].some(dd => dd.textContent === 'manual')`),
		); err != nil {
			t.Fatal(err)
		}
		if st := robot.Automator.Status(); st.State != automation.Paused || st.Reason != "manual steering" {
			t.Fatalf("steering did not pause the automation: %+v", st)
		}
		ch, cancel := robot.Wheels.SubscribeVelocity(64)
		testwait.For(t, ch, "the robot to drive forwards", func(v hardware.Velocity) bool { return v.Linear > 0.2 && v.Angular == 0 })
		cancel()
		if err := chromedp.Run(ctx, key(input.KeyUp, "ArrowUp", 38)); err != nil {
			t.Fatal(err)
		}
		waitStill(t, robot.Wheels, "the robot to stop after the key was released")
	})

	t.Run("the joystick drives with the pointer", func(t *testing.T) {
		var box []float64
		if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const r = document.querySelector('#joystick').getBoundingClientRect();
			return [r.left + r.width / 2, r.top + r.height / 2, r.height / 2]; })()`, &box)); err != nil {
			t.Fatal(err)
		}
		cx, cy, rad := box[0], box[1], box[2]
		if err := chromedp.Run(ctx,
			input.DispatchMouseEvent(input.MousePressed, cx, cy-0.8*rad).WithButton(input.Left).WithClickCount(1),
		); err != nil {
			t.Fatal(err)
		}
		ch, cancel := robot.Wheels.SubscribeVelocity(64)
		testwait.For(t, ch, "the robot to drive on the pointer", func(v hardware.Velocity) bool { return v.Linear > 0.15 })
		cancel()
		if err := chromedp.Run(ctx, input.DispatchMouseEvent(input.MouseReleased, cx, cy-0.8*rad).WithButton(input.Left).WithClickCount(1)); err != nil {
			t.Fatal(err)
		}
		waitStill(t, robot.Wheels, "the robot to stop when the pointer lets go")
	})

	t.Run("reloading mid-run shows the state again", func(t *testing.T) {
		// The page's last joystick command (the zero one of letting go)
		// may still be on its way on a slow machine: landing after the
		// resume, it would pause the automation again.
		if err := chromedp.Run(ctx, poll(steerSettled)); err != nil {
			t.Fatal(err)
		}
		if err := robot.Automator.Resume(); err != nil {
			t.Fatal(err)
		}
		var x float64
		if err := chromedp.Run(ctx,
			poll(`document.querySelector('#automation-state').textContent === 'running'`),
			chromedp.Reload(),
			poll(`document.querySelector('#automation-state').textContent === 'running'`),
			poll(`document.querySelector('#automation-name').textContent === 'waypoints'`),
			poll(`document.querySelector('#progress').value > 0`),
			chromedp.Evaluate(robotX, &x),
		); err != nil {
			t.Fatal(err)
		}
		if p := robot.Odometer.Pose(); x < 0.3 || p.X < 0.3 {
			t.Fatalf("after the reload the map shows x=%v (robot at %+v)", x, p)
		}
		saveScreenshot(t, ctx, "dashboard-reloaded.png")
	})

	t.Run("a slow link: letting go and Play land in order", func(t *testing.T) {
		// Commands to move take 300 ms to reach the robot, the zero one of
		// letting go none: sent side by side, the zero command would land
		// first and the robot drive on, and a Play pressed at once would be
		// paused by a command to move landing after it.
		if err := chromedp.Run(ctx, chromedp.Evaluate(`window.realFetch = window.fetch;
			window.fetch = (url, opts) => url === '/api/steer' && !/"linear":0,"angular":0/.test(opts.body)
				? new Promise((ok) => setTimeout(ok, 300)).then(() => window.realFetch(url, opts)) : window.realFetch(url, opts);`, nil),
			chromedp.Focus("#joystick", chromedp.ByID),
			key(input.KeyDown, "ArrowUp", 38),
		); err != nil {
			t.Fatal(err)
		}
		testwait.Until(t, "a slow command to move to land", func() bool {
			st := robot.Steerer.Status()
			return st.Active && st.Linear > 0
		})
		if st := robot.Automator.Status(); st.State != automation.Paused || st.Reason != "manual steering" {
			t.Fatalf("steering did not pause the automation: %+v", st)
		}
		if err := chromedp.Run(ctx,
			poll(`document.querySelector('#automation-state').textContent === 'paused' && !document.querySelector('#play').disabled`),
			key(input.KeyUp, "ArrowUp", 38),
			chromedp.Click("#play", chromedp.ByID),
			poll(steerSettled+` && document.querySelector('#automation-state').textContent === 'running'`),
		); err != nil {
			t.Fatal(err)
		}
		// Every command the page sent has landed: the last was to stand
		// still, and Play's resume came after it.
		if st := robot.Steerer.Status(); st.Linear != 0 || st.Angular != 0 {
			t.Fatalf("after letting go the robot is steered at %+v", st)
		}
		if st := robot.Automator.Status(); st.State != automation.Running {
			t.Fatalf("Play's resume was undone by a late joystick command: %+v", st)
		}
		if err := chromedp.Run(ctx, chromedp.Evaluate(`window.fetch = window.realFetch`, nil)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a closed tab: the deadman stops the robot", func(t *testing.T) {
		if err := chromedp.Run(ctx,
			chromedp.Focus("#joystick", chromedp.ByID),
			key(input.KeyDown, "ArrowUp", 38),
			poll(`[...document.querySelectorAll('#drive dd')].some(dd => dd.textContent === 'manual')`),
			chromedp.Navigate("about:blank"), // no key-up, no release: only the deadman
		); err != nil {
			t.Fatal(err)
		}
		// The page may or may not send a last zero command as it goes
		// (Chromium versions differ in what runs on the way out): either
		// way the manual command must expire Deadman after the last one,
		// and the wheels stand still. Polled, as that moment depends on
		// when the page sent its last command.
		testwait.Until(t, "the deadman to end the manual command", func() bool { return !robot.Steerer.Status().Active })
		waitStill(t, robot.Wheels, "the deadman to stop the robot")
	})

	t.Run("the module editor saves through the PUT and shows refusals", func(t *testing.T) {
		var msg string
		if err := chromedp.Run(ctx,
			chromedp.Navigate(srv.URL),
			poll(`[...document.querySelectorAll('#module-select option')].some(o => o.value === 'waypoints')`),
			chromedp.SetValue("#module-select", "driving_parameters", chromedp.ByID),
			chromedp.Evaluate(`document.querySelector('#module-select').dispatchEvent(new Event('change'))`, nil),
			poll(`document.querySelector('#module-json').value.includes('linear_speed_limit')`),
			chromedp.Evaluate(`(() => { const e = document.querySelector('#module-json');
				e.value = e.value.replace(/"linear_speed_limit": [\d.]+/, '"linear_speed_limit": -1');
				e.dispatchEvent(new Event('input')); })()`, nil),
			chromedp.Click("#module-save", chromedp.ByID),
			poll(`document.querySelector('#module-result').className === 'error'`),
			chromedp.Text("#module-result", &msg, chromedp.ByID),
		); err != nil {
			t.Fatal(err)
		}
		if !contains(msg, "linear_speed_limit") || robot.Params.Get().LinearSpeedLimit != 0.3 {
			t.Fatalf("%q, limit %v", msg, robot.Params.Get().LinearSpeedLimit)
		}
		if err := chromedp.Run(ctx,
			chromedp.Evaluate(`(() => { const e = document.querySelector('#module-json');
				e.value = e.value.replace('"linear_speed_limit": -1', '"linear_speed_limit": 0.25');
				e.dispatchEvent(new Event('input')); })()`, nil),
			chromedp.Evaluate(`window.staleSnapshot = last`, nil), // from before the save
			chromedp.Click("#module-save", chromedp.ByID),
			poll(`document.querySelector('#module-result').className === 'ok'`),
		); err != nil {
			t.Fatal(err)
		}
		if robot.Params.Get().LinearSpeedLimit != 0.25 {
			t.Fatalf("not saved: %+v", robot.Params.Get())
		}
		// That snapshot, delivered after the answer, must not put the
		// older data back in the editor (an edit made on it would undo the
		// save).
		var shown string
		if err := chromedp.Run(ctx, chromedp.Evaluate(`renderEditor(window.staleSnapshot.modules, window.staleSnapshot);
			document.querySelector('#module-json').value`, &shown)); err != nil {
			t.Fatal(err)
		}
		if !contains(shown, `"linear_speed_limit": 0.25`) {
			t.Fatalf("a snapshot from before the save put back %s", shown)
		}
		saveScreenshot(t, ctx, "dashboard-editor.png")
	})

	if e := errs(); len(e) != 0 {
		t.Fatalf("console errors: %v", e)
	}
}
