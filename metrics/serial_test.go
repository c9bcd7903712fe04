package metrics_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/internal/testwait"
	"github.com/gorosys/rosys/metrics"
	"github.com/gorosys/rosys/rosystest"
	"go.uber.org/zap/zaptest"
)

var _ metrics.LineCounter = (*lizard.Driver)(nil)
var _ metrics.SensorClock = (*lizard.Driver)(nil)

// TestSerialLinesOverARealPty runs the Lizard driver on a real
// pseudo-terminal against the simulated controller: good lines count up,
// each bad line counts once as bad, and the sensor age is measured from
// the last core message.
func TestSerialLinesOverARealPty(t *testing.T) {
	link := lizardtest.TempLink(t.TempDir())
	ctrl, err := lizardtest.Start(lizardtest.Config{Link: link})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctrl.Close)
	d, err := lizard.New(lizard.Config{Port: link, Log: zaptest.NewLogger(t), ReconnectMin: 20 * time.Millisecond, ReconnectMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ready, cancelReady := d.SubscribeReady(8)
	defer cancelReady()
	msgs, cancelMsgs := d.SubscribeMessages(16)
	defer cancelMsgs()
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Stop(context.Background()) })
	testwait.For(t, ready, "controller ready", testwait.Equal(true))

	var sensorNow atomic.Pointer[time.Time]
	clock := func() time.Time {
		if p := sensorNow.Load(); p != nil {
			return *p
		}
		return time.Now()
	}
	r := rosystest.New(t, rosys.Config{})
	url := serve(t, r.Runtime, metrics.WithDriver("lizard", d), metrics.WithSensorClock(clock))

	// marker sends a line and waits until the driver handled it: lines are
	// handled in order, so everything sent before it was counted.
	marker := func(name string) {
		t.Helper()
		if err := ctrl.Send(name); err != nil {
			t.Fatal(err)
		}
		testwait.For(t, msgs, name, testwait.Equal(name))
	}
	marker("first")
	s := scrape(t, url)
	good0, bad0 := s.counter(t, "rosys_serial_lines_total", "driver", "lizard", "result", "good"), s.counter(t, "rosys_serial_lines_total", "driver", "lizard", "result", "bad")
	if good0 < 2 || bad0 != 0 {
		t.Fatalf("good %v bad %v after the controller came up", good0, bad0)
	}

	if err := ctrl.SendRaw([]byte("core 1 9.000 9.000 false@00\r\n")); err != nil { // wrong checksum
		t.Fatal(err)
	}
	marker("second")
	s = scrape(t, url)
	if got := s.counter(t, "rosys_serial_lines_total", "driver", "lizard", "result", "bad"); got != 1 {
		t.Fatalf("bad lines %v after one bad checksum", got)
	}
	_ = ctrl.SendRaw([]byte(strings.Repeat("9", 3*wire.MaxLineLength) + "\n")) // overlong
	marker("third")
	s = scrape(t, url)
	good1, bad1 := s.counter(t, "rosys_serial_lines_total", "driver", "lizard", "result", "good"), s.counter(t, "rosys_serial_lines_total", "driver", "lizard", "result", "bad")
	if bad1 != 2 || good1 < good0+2 {
		t.Fatalf("after an overlong line: good %v (was %v), bad %v", good1, good0, bad1)
	}

	// Unplugged, the controller goes quiet: the core sensor's age is
	// measured from its last value.
	ctrl.Unplug()
	testwait.For(t, ready, "controller gone", testwait.Equal(false))
	last := d.Velocity().Time
	if last.IsZero() {
		t.Fatal("no core message was timed")
	}
	at := last.Add(7 * time.Second)
	sensorNow.Store(&at)
	if got := scrape(t, url).gauge(t, "rosys_sensor_age_seconds", "driver", "lizard", "sensor", "core"); got != 7 {
		t.Fatalf("sensor age %v s, want 7", got)
	}
}

// A driver that keeps its counts elsewhere (the GNSS driver's status,
// say) registers them with a function; one name cannot be used twice.
func TestLineCountsFunctionAndDuplicates(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	var good, bad atomic.Uint64
	url := serve(t, r.Runtime, metrics.WithLineCounts("gnss", func() (uint64, uint64) { return good.Load(), bad.Load() }),
		metrics.WithSensorTimes("gnss", func() map[string]time.Time { return map[string]time.Time{"fix": {}} }))
	good.Store(41)
	bad.Store(3)
	s := scrape(t, url)
	if s.counter(t, "rosys_serial_lines_total", "driver", "gnss", "result", "good") != 41 || s.counter(t, "rosys_serial_lines_total", "driver", "gnss", "result", "bad") != 3 {
		t.Fatal("gnss counts")
	}
	if s.has("rosys_sensor_age_seconds", "driver", "gnss", "sensor", "fix") {
		t.Fatal("a sensor never heard from has an age")
	}
	_, err := metrics.NewRegistry(r.Runtime, metrics.WithLineCounts("gnss", func() (uint64, uint64) { return 0, 0 }), metrics.WithDriver("gnss", &lizard.Driver{}))
	if !errors.Is(err, metrics.ErrDuplicateDriver) || !strings.Contains(err.Error(), `"gnss"`) {
		t.Fatalf("a driver registered twice: %v", err)
	}
}

// A measurement time mapped from the controller's clock can be a little
// ahead of the scrape: its age shows as 0, never below.
func TestSensorAgeNeverNegative(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	clock := r.Clock.Now
	url := serve(t, r.Runtime, metrics.WithSensorClock(clock),
		metrics.WithSensorTimes("lizard", func() map[string]time.Time {
			return map[string]time.Time{"core": clock().Add(900 * time.Microsecond)}
		}))
	if got := scrape(t, url).gauge(t, "rosys_sensor_age_seconds", "driver", "lizard", "sensor", "core"); got != 0 {
		t.Fatalf("sensor age %v s, want 0", got)
	}
}
