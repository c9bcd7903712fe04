package ui_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/gorosys/rosys/ui"
)

// Issue 22 class 2 in the dashboard: while a stop is active, Play and the
// joystick are disabled and the page names the stops; a key that would
// steer sends nothing; once released, both work again.
func TestDashboardShowsActiveStops(t *testing.T) {
	browserTest(t)
	robot, srv := realRobot(t)
	if err := robot.Automator.Stop(); err != nil { // the new robot's first run
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	errs := consoleErrors(ctx)
	robot.SoftEStop.Set(true)
	robot.SimEStop.Set(true)
	if err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL),
		poll(`document.querySelector('#automation-state').textContent === 'stopped'`),
		poll(`!document.querySelector('#stops').hidden && document.querySelector('#stops').textContent.includes('soft estop')
			&& document.querySelector('#stops').textContent.includes('estop,')`),
		poll(`document.querySelector('#play').disabled && document.querySelector('#joystick').getAttribute('aria-disabled') === 'true'`),
		// A key held on the disabled joystick sends no command.
		chromedp.Focus("#joystick", chromedp.ByID),
		key(input.KeyDown, "ArrowUp", 38),
	); err != nil {
		t.Fatal(err)
	}
	// The robot would refuse a command to move anyway (409), so its
	// Steerer proves nothing: ask the page whether it took the key and
	// whether a steer request went out (one would show among the page's
	// resources once answered, and hold steerBusy until then).
	var sent struct{ Held, Requests int }
	if err := chromedp.Run(ctx, poll(steerSettled), chromedp.Evaluate(`({Held: steer.keys.size + (steer.timer === null ? 0 : 1),
		Requests: performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/steer')).length})`, &sent)); err != nil {
		t.Fatal(err)
	}
	if sent.Held != 0 || sent.Requests != 0 {
		t.Fatalf("the disabled joystick took the key (%d) or sent %d steer requests", sent.Held, sent.Requests)
	}
	if st := robot.Steerer.Status(); st.Active {
		t.Fatalf("the disabled joystick steered: %+v", st)
	}
	if err := chromedp.Run(ctx, key(input.KeyUp, "ArrowUp", 38)); err != nil {
		t.Fatal(err)
	}
	robot.SimEStop.Set(false)
	if err := chromedp.Run(ctx,
		poll(`document.querySelector('#stops').textContent === 'Stopped by soft estop. Play and the joystick work again once it clears.'`),
	); err != nil {
		t.Fatal(err)
	}
	robot.SoftEStop.Set(false)
	if err := chromedp.Run(ctx,
		poll(`document.querySelector('#stops').hidden && !document.querySelector('#play').disabled
			&& document.querySelector('#joystick').getAttribute('aria-disabled') === 'false'`),
	); err != nil {
		t.Fatal(err)
	}
	if e := errs(); len(e) > 0 {
		t.Fatalf("console errors: %v", e)
	}
}

// A page open across a restart of the robot shows the new run's soft
// e-stop. The state carries a count of presses and releases that starts
// again with each run; a page that kept the old run's count ignored the
// new run's states until they outnumbered it, and showed E-STOP released
// while the robot's was pressed (and its next tap pressed nothing).
func TestEStopShownAfterTheRobotRestarts(t *testing.T) {
	browserTest(t)
	first, firstAPI := realRobotAPI(t)
	var serving atomic.Pointer[ui.Server]
	serving.Store(firstAPI)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serving.Load().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	ctx := newBrowser(t)
	errs := consoleErrors(ctx)
	if err := chromedp.Run(ctx, chromedp.Navigate(srv.URL),
		poll(`document.querySelector('#state').textContent === 'running'`)); err != nil {
		t.Fatal(err)
	}
	// Two presses and releases on the first run: its count is 4.
	for i := 0; i < 2; i++ {
		if err := chromedp.Run(ctx,
			chromedp.Click("#estop", chromedp.ByID),
			poll(`document.querySelector('#estop').getAttribute('aria-pressed') === 'true'`),
			chromedp.Click("#estop", chromedp.ByID),
			poll(`document.querySelector('#estop').getAttribute('aria-pressed') === 'false'`)); err != nil {
			t.Fatal(err)
		}
	}
	if a, n := first.SoftEStop.State(); a || n != 4 {
		t.Fatalf("first run's soft e-stop: active %v after %d changes", a, n)
	}
	// The robot restarts (another run behind the same address); the page's
	// event stream reconnects to it.
	second, secondAPI := realRobotAPI(t)
	serving.Store(secondAPI)
	firstAPI.CloseStreams()
	second.SoftEStop.Set(true) // pressed by someone else: the new run's count is 1
	if err := chromedp.Run(ctx,
		poll(`document.querySelector('#estop').getAttribute('aria-pressed') === 'true'`)); err != nil {
		t.Fatalf("the page does not show the second run's pressed soft e-stop: %v", err)
	}
	// Its tap releases the second run's e-stop.
	if err := chromedp.Run(ctx, chromedp.Click("#estop", chromedp.ByID),
		poll(`document.querySelector('#estop').getAttribute('aria-pressed') === 'false'`)); err != nil {
		t.Fatal(err)
	}
	if second.SoftEStop.Active() {
		t.Fatal("the tap did not release the second run's soft e-stop")
	}
	if e := errs(); len(e) > 0 {
		t.Fatalf("console errors: %v", e)
	}
}
