package lizard_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/internal/testwait"
)

func startController(t *testing.T, cfg lizardtest.Config) *lizardtest.Controller {
	t.Helper()
	if cfg.Link == "" {
		cfg.Link = lizardtest.TempLink(t.TempDir())
	}
	ctrl, err := lizardtest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctrl.Close)
	return ctrl
}

func dial(t *testing.T, link string) *lizard.Link {
	t.Helper()
	l, err := lizard.Dial(link, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// quick bounds for the faults, so a failing configure fails fast.
var quick = lizard.ConfigureOptions{ReadyTimeout: time.Second, AnswerTimeout: 600 * time.Millisecond}

func configure(t *testing.T, link string, code lizard.Code) (lizard.ConfigureResult, error) {
	t.Helper()
	l := dial(t, link)
	return lizard.Configure(context.Background(), l, l.Replies(), code, quick)
}

func TestConfigureUploadsAndChecks(t *testing.T) {
	old := lizard.Code{"led = Output(2)"}
	ctrl := startController(t, lizardtest.Config{Startup: old})
	link := ctrl.Link()
	code, _, err := lizard.Generate(fieldRobot())
	if err != nil {
		t.Fatal(err)
	}
	l := dial(t, link)
	res, err := lizard.Configure(context.Background(), l, l.Replies(), code, quick)
	if err != nil {
		t.Fatal(err)
	}
	if res.Old != int(old.Checksum()) || res.Actual != int(code.Checksum()) || res.Expected != code.Checksum() {
		t.Fatalf("result %+v (old code %04x, new %04x)", res, old.Checksum(), code.Checksum())
	}
	if got := ctrl.Startup().String(); got != code.String() {
		t.Fatalf("stored startup code differs:\n%s", got)
	}
	if ctrl.Restarts.Load() != 1 {
		t.Fatalf("%d restarts", ctrl.Restarts.Load())
	}
	// "!?" prints what is stored.
	if err := l.SendLine(context.Background(), "!?p0"); err != nil {
		t.Fatal(err)
	}
	var got []string
	testwait.For(t, l.Replies(), "two lines of startup code", func(r string) bool { got = append(got, r); return len(got) == 2 })
	if got[0] != "p0_serial = Serial(16, 17, 115200, 1)" || got[1] != "p0 = Expander(p0_serial, 25, 14)" {
		t.Fatalf("!? printed %q", got)
	}
}

func TestConfigureMismatch(t *testing.T) {
	// A controller whose flash keeps only 3 lines: the upload "works",
	// the checksum cannot match.
	ctrl := startController(t, lizardtest.Config{StartupLimit: 3})
	code, _, _ := lizard.Generate(fieldRobot())
	res, err := configure(t, ctrl.Link(), code)
	if !errors.Is(err, lizard.ErrChecksumDiffers) {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(err.Error(), "old checksum 0000") || res.Actual < 0 || uint16(res.Actual) == code.Checksum() {
		t.Fatalf("error %v, result %+v", err, res)
	}
}

func TestConfigureNoReady(t *testing.T) {
	t.Parallel() // waits out a timeout on a controller of its own
	ctrl := startController(t, lizardtest.Config{NoReady: true, Startup: lizard.Code{"x = Input(4)"}})
	code, _, _ := lizard.Generate(fieldRobot())
	_, err := configure(t, ctrl.Link(), code)
	if !errors.Is(err, lizard.ErrNoReady) || !strings.Contains(err.Error(), "old checksum "+hex(lizard.Code{"x = Input(4)"}.Checksum())) {
		t.Fatalf("error %v", err)
	}
}

func TestConfigureGarbage(t *testing.T) {
	t.Parallel() // waits out a timeout on a controller of its own
	ctrl := startController(t, lizardtest.Config{Garbage: true})
	code, _, _ := lizard.Generate(fieldRobot())
	l := dial(t, ctrl.Link())
	_, err := lizard.Configure(context.Background(), l, l.Replies(), code, quick)
	if !errors.Is(err, lizard.ErrNoReady) || !strings.Contains(err.Error(), "old checksum unknown") {
		t.Fatalf("error %v", err)
	}
	if l.Garbage.Load() == 0 {
		t.Fatal("garbage not counted")
	}
	if ctrl.Startup() != nil {
		t.Fatalf("garbage controller stored %q", ctrl.Startup())
	}
}

// TestConfigureUnplugged pulls the cable halfway through the upload: an
// error, the old code stays (it was never saved), and the next configure
// after replugging succeeds.
func TestConfigureUnplugged(t *testing.T) {
	old := lizard.Code{"led = Output(2)"}
	ctrl := startController(t, lizardtest.Config{UnplugAfter: 5, Startup: old})
	code, _, _ := lizard.Generate(fieldRobot())
	_, err := configure(t, ctrl.Link(), code)
	if !errors.Is(err, lizard.ErrConnectionLost) && !errors.Is(err, lizard.ErrNoReady) {
		t.Fatalf("error %v", err)
	}
	if got := ctrl.Startup().String(); got != old.String() {
		t.Fatalf("half an upload was saved: %q", got)
	}
	if err := ctrl.Replug(); err != nil {
		t.Fatal(err)
	}
	if _, err := configure(t, ctrl.Link(), code); err != nil {
		t.Fatalf("configure after replug: %v", err)
	}
	if ctrl.Startup().String() != code.String() {
		t.Fatal("not stored")
	}
}

func hex(v uint16) string { return fmt.Sprintf("%04x", v) }

func TestDefaultReadyTimeoutIsConfigurePys(t *testing.T) {
	code := lizard.Code{"s = Serial(26, 27, 115200, 1)", "p0 = Expander(s)", "q = Expander(s2)", "x = p0.Input(4)"}
	// 3 s + 4 lines × 0.5 s + 2 × "Expander" × 3 s
	if got := lizard.DefaultReadyTimeout(code); got != 11*time.Second {
		t.Fatalf("ready timeout %s, want 11s", got)
	}
}

func TestExpanderReadyIsNotTheControllers(t *testing.T) {
	for line, want := range map[string]bool{"Ready.": true, " Ready.\r": true, "p0: Ready.": false, "p0:Ready.": false, "not Ready.": false, "Ready": false} {
		if lizard.IsReady(line) != want {
			t.Errorf("IsReady(%q) = %v", line, !want)
		}
	}
}

// scriptedController answers Configure's lines: the checksum of what it
// stores, and after core.restart() the lines boot gives.
type scriptedController struct {
	replies chan string
	boot    []string
	stored  lizard.Code
}

func (c *scriptedController) SendLine(_ context.Context, cmd string) error {
	switch {
	case cmd == "!-":
		c.stored = nil
	case strings.HasPrefix(cmd, "!+"):
		c.stored = append(c.stored, cmd[2:])
	case cmd == "core.startup_checksum()":
		c.replies <- fmt.Sprintf("checksum: %04x", c.stored.Checksum())
	case cmd == "core.restart()":
		for _, l := range c.boot {
			c.replies <- l
		}
	}
	return nil
}

func TestConfigureWaitsForTheMainControllersReady(t *testing.T) {
	code := lizard.Code{"s = Serial(26, 27, 115200, 1)", "p0 = Expander(s)"}
	opt := lizard.ConfigureOptions{ReadyTimeout: 300 * time.Millisecond, AnswerTimeout: 600 * time.Millisecond}
	// The expander's boot alone: not the controller's Ready.
	c := &scriptedController{replies: make(chan string, 16), boot: []string{"p0: Ready.", "p0: Booting process completed successfully"}}
	if _, err := lizard.Configure(context.Background(), c, c.replies, code, opt); !errors.Is(err, lizard.ErrNoReady) {
		t.Fatalf("an expander's Ready. counted as the controller's: %v", err)
	}
	c = &scriptedController{replies: make(chan string, 16), boot: []string{"p0: Ready.", "Ready."}}
	if res, err := lizard.Configure(context.Background(), c, c.replies, code, opt); err != nil || uint16(res.Actual) != code.Checksum() {
		t.Fatalf("configure: %+v %v", res, err)
	}
}

func TestSendRefusesLinesLongerThanLizardReads(t *testing.T) {
	d, err := lizard.New(lizard.Config{Replay: true})
	if err != nil {
		t.Fatal(err)
	}
	// 1 020 bytes + "@xx\n" is Lizard's 1 024-byte buffer: fits; one more does not.
	if err := d.Send(strings.Repeat("x", 1021)); !errors.Is(err, lizard.ErrLineTooLong) {
		t.Fatalf("1021 bytes: %v", err)
	}
	if err := d.Send(strings.Repeat("x", 1020)); errors.Is(err, lizard.ErrLineTooLong) {
		t.Fatalf("1020 bytes: %v", err)
	}
}
