package ui_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/storage"
	"github.com/gorosys/rosys/ui"
)

type settings struct {
	Speed float64 `json:"speed"`
	Name  string  `json:"name"`
}

// The dashboard's module history in real Chromium: open it, choose two
// versions, see their diff, restore one, and find it on the robot and on
// disk, as the newest version.
func TestHistoryInBrowser(t *testing.T) {
	browserTest(t)
	clock := rosystest.NewVirtualClock()
	store := persistencetest.Open(t, t.TempDir(), store.WithClock(clock.Now), store.WithHistory(history.Config{}))
	r := rosystest.New(t, rosys.Config{Clock: clock, Storage: storage.New(store, nil)})
	m := persistence.NewValue(settings{Speed: 0.5, Name: "first"})
	if err := r.Add("settings", m); err != nil {
		t.Fatal(err)
	}
	r.Start()
	for _, v := range []settings{{0.5, "first"}, {0.8, "second"}, {1.2, "third"}} {
		m.Set(v)
		if err := store.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		clock.Forward(time.Second)
	}
	api := ui.NewServer(r.Runtime)
	srv := httptest.NewServer(api)
	defer srv.Close()
	defer api.CloseStreams()

	ctx := newBrowser(t)
	errs := consoleErrors(ctx)
	var diff string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL),
		poll(`document.querySelectorAll('#history-rows tr').length === 3`),
		// Newest first; the two newest are compared at first.
		poll(`document.querySelector('#history-diff .diff-head') !== null &&
			document.querySelector('#history-diff .diff-head').textContent.startsWith('version 2 → version 3')`),
		// Choose version 1 against version 3.
		chromedp.Click(`input[name="history-a"][value="1"]`, chromedp.ByQuery),
		poll(`document.querySelector('#history-diff .diff-head').textContent.startsWith('version 1 → version 3')`),
		chromedp.Text(`#history-diff`, &diff, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`-   "name": "first"`, `+   "name": "third"`, `-   "speed": 0.5,`, `+   "speed": 1.2,`, "4 lines differ"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	if strings.Contains(diff, `"second"`) {
		t.Errorf("diff of 1 and 3 shows version 2's data:\n%s", diff)
	}
	saveScreenshot(t, ctx, "history.png")

	// Restore version 1 (the confirmation answered yes).
	if err := chromedp.Run(ctx,
		chromedp.Evaluate(`window.confirm = () => true`, nil),
		chromedp.Click(`#history-rows tr[data-version="1"] .history-restore`, chromedp.ByQuery),
		poll(`document.querySelectorAll('#history-rows tr').length === 4`),
		poll(`document.querySelector('#history-result').textContent.includes('as version 4')`),
	); err != nil {
		t.Fatal(err)
	}
	if got := m.Get(); got != (settings{0.5, "first"}) {
		t.Fatalf("module after restoring version 1: %+v", got)
	}
	b, _ := os.ReadFile(store.Path("settings"))
	if !strings.Contains(string(b), `"first"`) {
		t.Fatalf("settings.json after the restore: %s", b)
	}
	if e := errs(); len(e) > 0 {
		t.Fatalf("browser errors: %v", e)
	}
}
