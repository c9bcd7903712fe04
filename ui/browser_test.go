package ui_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testtool"
	"github.com/gorosys/rosys/internal/testwait"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/internal/demo"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/ui"
)

// browserTest skips a test that drives Chromium under -short (make
// test-short); make test runs it.
func browserTest(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: drives a browser (make test runs it)")
	}
}

// newBrowser starts headless Chromium (Debian's package) with the flags
// this machine needs: no sandbox as root, and no background networking,
// which a closed network would refuse.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	browserTest(t)
	chromiumPath := testtool.Require(t, testtool.Chromium)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	// A bound on failure only: a loaded machine runs a whole session slowly.
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// consoleErrors collects JavaScript exceptions and console or log errors.
func consoleErrors(ctx context.Context) func() []string {
	var mu sync.Mutex
	var errs []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			errs = append(errs, "exception: "+e.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				errs = append(errs, "console.error")
			}
		case *log.EventEntryAdded:
			// Network entries report HTTP statuses (the refused import's
			// 400), which the tests assert themselves.
			if e.Entry.Level == log.LevelError && e.Entry.Source != log.SourceNetwork {
				errs = append(errs, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatal(err)
	}
	writeArtifact(t, name, png)
}

// writeArtifact writes a screenshot into $ROSYS_ARTIFACTS_DIR (CI keeps
// it), or a temporary directory.
func writeArtifact(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := os.Getenv("ROSYS_ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "rosys-artifacts")
	}
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", filepath.Join(dir, name))
}

func poll(expr string) chromedp.Action {
	var ok bool
	return chromedp.Poll(expr, &ok, chromedp.WithPollingTimeout(30*time.Second))
}

func setSlider(v string) chromedp.Action {
	return chromedp.Evaluate(`(() => { const s = document.querySelector('#model-slider');
		s.value = `+v+`; s.dispatchEvent(new Event('input', {bubbles: true})); })()`, nil)
}

func hostileArchive(t *testing.T) string {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	_ = tw.WriteHeader(&tar.Header{Name: "manifest.json", Typeflag: tar.TypeReg, Size: 2, Mode: 0o644})
	_, _ = tw.Write([]byte("{}"))
	_ = tw.WriteHeader(&tar.Header{Name: "../../etc/cron.d/evil", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644})
	_, _ = tw.Write([]byte("x"))
	tw.Close()
	gz.Close()
	path := filepath.Join(t.TempDir(), "evil.tar.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDashboardInBrowser(t *testing.T) {
	browserTest(t)
	r := rosystest.New(t, rosys.Config{Name: "demo"})
	robot, err := demo.Add(r.Runtime)
	if err != nil {
		t.Fatal(err)
	}
	changes := make(chan float64, 64)
	robot.Model.OnChange(func(m demo.Model) { changes <- float64(m.Value) })
	r.Start()
	r.Forward(2 * time.Second) // let the demo drive a little
	api := ui.NewServer(r.Runtime, ui.WithHardware(robot.Hardware))
	srv := httptest.NewServer(api)
	defer srv.Close()
	defer api.CloseStreams() // open pages hold event streams

	ctx := newBrowser(t)
	errs := consoleErrors(ctx)
	downloads := t.TempDir()
	done := make(chan string, 1)
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*browser.EventDownloadProgress); ok && e.State == browser.DownloadProgressStateCompleted {
			done <- e.GUID
		}
	})
	if err := chromedp.Run(ctx,
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(downloads).WithEventsEnabled(true),
		chromedp.Navigate(srv.URL),
		poll(`document.querySelector('#state').textContent === 'running'`),
		poll(`!document.querySelector('#model-slider').disabled`),
		poll(`document.querySelectorAll('#modules tr').length === 7`), // model, waypoints, pose, automation, driving_parameters, soft_estop, path_planner
	); err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, ctx, "dashboard.png")

	t.Run("slider moves the module and the file follows", func(t *testing.T) {
		if err := chromedp.Run(ctx, setSlider("4.2")); err != nil {
			t.Fatal(err)
		}
		waitValue(t, changes, 4.2)
		// The module changes inside the PUT before its backup is requested;
		// the page shows "pending" once the request completed.
		if err := chromedp.Run(ctx, poll(`[...document.querySelectorAll('#modules tr')].some(
			tr => tr.cells[0].textContent === 'model' && tr.cells[4].textContent === 'yes')`)); err != nil {
			t.Fatal(err)
		}
		if st, _ := r.Store().ModuleStatus("model"); !st.Pending {
			t.Fatal("slider change did not request a backup")
		}
		if err := r.Store().Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(r.Store().Path("model"))
		if !strings.Contains(string(b), `"value": 4.2`) {
			t.Fatalf("model.json: %s", b)
		}
	})

	t.Run("a quick series of moves sends the last value, and the page follows the server again", func(t *testing.T) {
		if err := chromedp.Run(ctx, setSlider("1.5"), setSlider("2.5"), setSlider("3.5")); err != nil {
			t.Fatal(err)
		}
		waitValue(t, changes, 3.5)
		// On a slow link the older values take longer to land: moves the
		// page sent one by one must still leave the robot at the last.
		if err := chromedp.Run(ctx, chromedp.Evaluate(`window.realFetch = window.fetch;
			window.fetch = (url, opts) => url === '/api/modules/model' && !opts.body.includes('3.5')
				? new Promise((ok) => setTimeout(ok, 300)).then(() => window.realFetch(url, opts)) : window.realFetch(url, opts);`, nil),
			setSlider("1.5"), poll(`pending === null`), setSlider("2.5"), poll(`pending === null`), setSlider("3.5"),
			poll(`pending === null && inFlight === 0`), chromedp.Evaluate(`window.fetch = window.realFetch`, nil)); err != nil {
			t.Fatal(err)
		}
		if v := robot.Model.Get().Value; v != 3.5 {
			t.Fatalf("the slider's moves landed out of order: the model is %v, the slider's last value 3.5", v)
		}
		// A snapshot from before the last PUT, delivered after its answer,
		// must not move the slider back.
		var shown string
		if err := chromedp.Run(ctx, chromedp.Evaluate(`render({...last, modules: {...last.modules, model: {value: 2.5}}, puts: 0});
			document.querySelector('#model-slider').value`, &shown)); err != nil {
			t.Fatal(err)
		}
		if shown != "3.5" {
			t.Fatalf("a snapshot from before the slider's last PUT moved it to %s", shown)
		}
		robot.Model.Set(demo.Model{Value: 7.4}) // changed on the robot (a value on the slider's 0.1 step)
		if err := chromedp.Run(ctx, poll(`document.querySelector('#model-slider').value === '7.4'`)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("an API change shows in the page", func(t *testing.T) {
		req, _ := http.NewRequest("PUT", srv.URL+"/api/modules/model", strings.NewReader(`{"value": 8.5}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatal(err, resp)
		}
		resp.Body.Close()
		if err := chromedp.Run(ctx, poll(`document.querySelector('#model-value').textContent === '8.50'`),
			poll(`document.querySelector('#model-slider').value === '8.5'`)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("NaN from a RoSys file shows as text", func(t *testing.T) {
		req, _ := http.NewRequest("PUT", srv.URL+"/api/modules/model", strings.NewReader(`{"value": "NaN"}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatal(err, resp)
		}
		resp.Body.Close()
		if err := chromedp.Run(ctx, poll(`document.querySelector('#model-value').textContent === 'NaN'`)); err != nil {
			t.Fatal(err)
		}
		robot.Model.Set(demo.Model{Value: 8.5}) // as the following steps expect
		if err := chromedp.Run(ctx, poll(`document.querySelector('#model-value').textContent === '8.50'`)); err != nil {
			t.Fatal(err)
		}
	})

	var exported string
	t.Run("export downloads an archive", func(t *testing.T) {
		if err := chromedp.Run(ctx, chromedp.Click("#export", chromedp.ByID)); err != nil {
			t.Fatal(err)
		}
		select {
		case guid := <-done:
			exported = filepath.Join(downloads, guid)
		case <-time.After(30 * time.Second):
			t.Fatal("no download")
		}
		f, err := os.Open(exported)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		a, err := archive.Read(f, archive.DefaultLimits)
		if err != nil || !strings.Contains(string(a.Files["model"]), `"value": 8.5`) {
			t.Fatalf("%v %s", err, a.Files["model"])
		}
	})

	t.Run("a hostile archive shows an error and changes nothing", func(t *testing.T) {
		var text string
		if err := chromedp.Run(ctx,
			chromedp.SetUploadFiles("#import-file", []string{hostileArchive(t)}, chromedp.ByID),
			chromedp.Click("#import-button", chromedp.ByID),
			poll(`document.querySelector('#import-result').className === 'error'`),
			chromedp.Text("#import-result", &text, chromedp.ByID),
		); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "invalid archive") || !strings.Contains(text, "../../etc/cron.d/evil") {
			t.Fatalf("message %q", text)
		}
		if robot.Model.Get().Value != 8.5 {
			t.Fatal("a refused import changed the model")
		}
		saveScreenshot(t, ctx, "dashboard-import-error.png")
	})

	t.Run("importing the export works", func(t *testing.T) {
		robot.Model.Set(demo.Model{Value: 0.5})
		var text string
		if err := chromedp.Run(ctx,
			chromedp.SetUploadFiles("#import-file", []string{exported}, chromedp.ByID),
			chromedp.Click("#import-button", chromedp.ByID),
			poll(`document.querySelector('#import-result').className === 'ok'`),
			chromedp.Text("#import-result", &text, chromedp.ByID),
		); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "Imported") || robot.Model.Get().Value != 8.5 {
			t.Fatalf("%q, value %v", text, robot.Model.Get().Value)
		}
	})

	if e := errs(); len(e) != 0 {
		t.Fatalf("console errors: %v", e)
	}
}

func TestDashboardSendsToken(t *testing.T) {
	browserTest(t)
	r := rosystest.New(t, rosys.Config{})
	robot, err := demo.Add(r.Runtime)
	if err != nil {
		t.Fatal(err)
	}
	changes := make(chan float64, 64)
	robot.Model.OnChange(func(m demo.Model) { changes <- float64(m.Value) })
	r.Start()
	api := ui.NewServer(r.Runtime, ui.WithToken("s3cret"), ui.WithHardware(robot.Hardware))
	srv := httptest.NewServer(api)
	defer srv.Close()
	defer api.CloseStreams()
	ctx := newBrowser(t)
	if err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL+"/#token=s3cret"),
		poll(`document.querySelector('#state').textContent === 'running'`),
		setSlider("2.5"),
	); err != nil {
		t.Fatal(err)
	}
	waitValue(t, changes, 2.5)
}

func waitValue(t *testing.T, ch <-chan float64, want float64) {
	t.Helper()
	testwait.For(t, ch, fmt.Sprint("the model to become ", want), testwait.Equal(want))
}
