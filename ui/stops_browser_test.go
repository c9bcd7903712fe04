package ui_test

import (
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
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
