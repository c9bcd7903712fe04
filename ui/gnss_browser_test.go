package ui_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/drivers/gnss"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/internal/demo"
	assembly "github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/ui"
)

// The dashboard shows the GNSS fix with its age, the local position and
// heading, and a receiver gone silent as stale.
func TestDashboardShowsGNSS(t *testing.T) {
	browserTest(t)
	r := rosystest.New(t, rosys.Config{Name: "demo"})
	rx := sim.NewGNSS(sim.GNSSConfig{})
	hw := assembly.Hardware{GNSS: rx, Drivers: []assembly.Driver{{Name: "gnss", V: rx}}}
	hw.Status = func() any {
		st := gnss.StatusOf(rx.GNSS(), r.Clock.Now(), 2*time.Second)
		st.Source, st.Connected = "sim", true
		return map[string]any{"gnss": st}
	}
	robot, err := demo.AddWith(r.Runtime, hw)
	if err != nil {
		t.Fatal(err)
	}
	rx.Follow(robot.Odometer)
	r.Start()
	r.Forward(2 * time.Second)
	api := ui.NewServer(r.Runtime, ui.WithHardware(robot.Hardware))
	srv := httptest.NewServer(api)
	defer srv.Close()
	defer api.CloseStreams()

	ctx := newBrowser(t)
	errs := consoleErrors(ctx)
	// The hardware list is <dt>label</dt><dd>value</dd> pairs.
	row := func(label, want string) string {
		return `[...document.querySelectorAll('#hardware dt')].some(dt => dt.textContent === '` + label +
			`' && dt.nextElementSibling.textContent.includes('` + want + `'))`
	}
	if err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL),
		poll(row("GNSS", "rtk fixed, 14 satellites, age 0.")),
		poll(row("GNSS position", "heading")),
	); err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, ctx, "dashboard-gnss.png")
	rx.SetSilent(true)
	r.Forward(3 * time.Second)
	if err := chromedp.Run(ctx, poll(row("GNSS", "stale"))); err != nil {
		t.Fatal(err)
	}
	if e := errs(); len(e) != 0 {
		t.Fatalf("console errors: %v", e)
	}
}
