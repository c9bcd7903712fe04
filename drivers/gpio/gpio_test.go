package gpio_test

import (
	"strings"
	"testing"
	"time"

	rgpio "github.com/gorosys/rosys/drivers/gpio"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// register puts a fake pin under a test-only name and removes it after.
func register(t *testing.T, name string) *gpiotest.Pin {
	t.Helper()
	p := &gpiotest.Pin{N: name, Num: -1}
	if err := gpioreg.Register(p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gpioreg.Unregister(name) })
	return p
}

func setLevel(p *gpiotest.Pin, l gpio.Level) {
	p.Lock()
	p.L = l
	p.Unlock()
}

func TestLookup(t *testing.T) {
	register(t, "TEST_GPIO17")
	p, err := rgpio.Lookup("TEST_GPIO17", "rpi4")
	if err != nil || p.Name() != "TEST_GPIO17" {
		t.Fatal(p, err)
	}
	_, err = rgpio.Lookup("GPIO99", "rpi4")
	if err == nil || !strings.Contains(err.Error(), `no line "GPIO99"`) || !strings.Contains(err.Error(), "board rpi4") ||
		!strings.Contains(err.Error(), "TEST_GPIO17") {
		t.Fatalf("%v", err)
	}
}

func TestInputOutput(t *testing.T) {
	in := register(t, "TEST_IN")
	outPin := register(t, "TEST_OUT")
	i, err := rgpio.NewInput(in, gpio.PullUp)
	if err != nil {
		t.Fatal(err)
	}
	if in.P != gpio.PullUp {
		t.Fatalf("pull %v", in.P)
	}
	setLevel(in, gpio.High)
	if v, _ := i.Read(); !v {
		t.Fatal("high read as low")
	}
	if err := i.Write(true); err == nil {
		t.Fatal("input written")
	}
	o, err := rgpio.NewOutput(outPin, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Write(true); err != nil || outPin.L != gpio.High {
		t.Fatalf("%v %v", err, outPin.L)
	}
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestEStopDebounceActiveLow(t *testing.T) {
	pin := register(t, "TEST_ESTOP")
	setLevel(pin, gpio.High) // active-low: high is released
	e, err := rgpio.NewEStop(pin, true, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if pin.P != gpio.PullUp {
		t.Fatalf("active-low e-stop needs a pull-up, got %v", pin.P)
	}
	changes, cancel := e.SubscribeChanges(8)
	defer cancel()
	rec := &recorder{}
	e.Journal(rec)
	step := func(ms int) { e.Step(t0.Add(time.Duration(ms)*time.Millisecond), 10*time.Millisecond) }
	if !e.Active() {
		t.Fatal("must start active until a stable reading")
	}
	step(0)
	step(10)
	if !e.Active() {
		t.Fatal("released before the debounce time")
	}
	step(20)
	if e.Active() {
		t.Fatal("not released after 20 ms of high")
	}
	// A 10 ms glitch low is ignored...
	setLevel(pin, gpio.Low)
	step(30)
	setLevel(pin, gpio.High)
	step(40)
	step(60)
	if e.Active() {
		t.Fatal("a glitch pressed the e-stop")
	}
	// ...a held press is not.
	setLevel(pin, gpio.Low)
	step(70)
	step(80)
	step(90)
	if !e.Active() {
		t.Fatal("held press not seen")
	}
	if a, b := <-changes, <-changes; a || !b || len(changes) != 0 {
		t.Fatalf("changes %v %v (+%d)", a, b, len(changes))
	}
	if strings.Join(rec.got, " ") != "estop:0 estop:1" {
		t.Fatalf("journal %v", rec.got)
	}
}

type recorder struct{ got []string }

func (r *recorder) RecordAt(_ time.Time, source string, kind byte, data []byte) {
	r.got = append(r.got, source+":"+string(data))
}

func TestLED(t *testing.T) {
	pin := register(t, "TEST_LED")
	l, err := rgpio.NewLED(pin)
	if err != nil {
		t.Fatal(err)
	}
	l.Set(true)
	l.Step(t0, 0)
	if pin.L != gpio.High {
		t.Fatal("not lit")
	}
	l.Blink(100 * time.Millisecond)
	var levels []gpio.Level
	for ms := 0; ms <= 200; ms += 10 {
		l.Step(t0.Add(time.Duration(ms)*time.Millisecond), 0)
		levels = append(levels, pin.L)
	}
	toggles := 0
	for i := 1; i < len(levels); i++ {
		if levels[i] != levels[i-1] {
			toggles++
		}
	}
	if toggles != 4 {
		t.Fatalf("%d toggles in 200 ms of 100 ms blinking", toggles)
	}
	l.SafeStop()
	if pin.L != gpio.Low {
		t.Fatal("LED lit after safe stop")
	}
}

func TestInitThenUnknownLine(t *testing.T) {
	// On a machine without GPIO (CI) periph loads no driver but must not
	// fail; a line that does not exist must then be a clear error.
	if err := rgpio.Init(); err != nil {
		t.Fatalf("host.Init: %v", err)
	}
	if err := rgpio.Init(); err != nil {
		t.Fatalf("second Init: %v", err)
	}
	_, err := rgpio.Lookup("NO_SUCH_LINE", "jetson-nano")
	if err == nil || !strings.Contains(err.Error(), `"NO_SUCH_LINE"`) || !strings.Contains(err.Error(), "jetson-nano") {
		t.Fatalf("%v", err)
	}
}
