package lizard

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/hardware"
)

// Battery is a battery management system (the common "JBD" protocol) on a
// serial port of the controller, as RoSys's BmsHardware: Lizard's Serial
// module, unmuted, prints the bytes it receives as hex words after the
// module's name ("battery dd 03 00 1b ..."; behind an expander "p0:
// battery dd ..."). The host asks for the basic status every
// RequestInterval.
type Battery struct {
	Object                string
	RxPin, TxPin          int
	Baud, Num             int // default 9600, UART 1
	Expander              string
	ChargeDetectThreshold float64       // A; a current above it means charging (RoSys: -0.4)
	RequestInterval       time.Duration // default 5 s
	StaleAfter            time.Duration // default 3 × RequestInterval

	state   hardware.Topic[hardware.BatteryState]
	frame   wire.BMSFrame
	lastAsk time.Time
	frames  atomic.Uint64
	bad     atomic.Uint64
	lastBad atomic.Pointer[string]
}

// bmsRequest asks a JBD BMS for its basic information (register 0x03).
const bmsRequest = "0xdd, 0xa5, 0x03, 0x00, 0xff, 0xfd, 0x77"

var _ hardware.Battery = (*Battery)(nil)

// Name implements Module.
func (b *Battery) Name() string {
	if b.Object == "" {
		return "battery"
	}
	return b.Object
}

// Type implements Module.
func (b *Battery) Type() string { return "battery" }

// Deps implements Module.
func (b *Battery) Deps() []string {
	if b.Expander != "" {
		return []string{b.Expander}
	}
	return nil
}

func (b *Battery) interval() time.Duration {
	if b.RequestInterval <= 0 {
		return 5 * time.Second
	}
	return b.RequestInterval
}

func (b *Battery) staleAfter() time.Duration {
	if b.StaleAfter <= 0 {
		return 3 * b.interval()
	}
	return b.StaleAfter
}

// Code implements Module.
func (b *Battery) Code() []string {
	baud, num := b.Baud, b.Num
	if baud == 0 {
		baud = 9600
	}
	if num == 0 {
		num = 1
	}
	n := b.Name()
	return []string{
		fmt.Sprintf("%s = %sSerial(%d, %d, %d, %d)", n, proxyPrefix(b.Expander), b.RxPin, b.TxPin, baud, num),
		n + ".unmute()",
	}
}

// Fields implements Module: the BMS answers on its own lines, not in
// core messages.
func (b *Battery) Fields() []wire.Field { return nil }

func (b *Battery) bind(*Driver, func(string) int) {}

func (b *Battery) decode([]float64, time.Time) {}

// Battery implements hardware.Battery.
func (b *Battery) Battery() hardware.BatteryState { return b.state.Latest() }

// SubscribeBattery delivers every new state.
func (b *Battery) SubscribeBattery(buffer int) (<-chan hardware.BatteryState, func()) {
	return b.state.Subscribe(buffer)
}

func (b *Battery) poll(now time.Time) (string, bool) {
	if now.Sub(b.lastAsk) < b.interval() {
		return "", false
	}
	b.lastAsk = now
	return b.Name() + ".send(" + bmsRequest + ")", true
}

// handleLine takes "<name> dd 03 ..." lines. A reply may be split over
// several lines (Lizard prints what arrived by each 10 ms cycle), so bytes
// are collected until a whole frame is there.
func (b *Battery) handleLine(words [][]byte, at time.Time) bool {
	if len(words) == 0 || string(words[0]) != b.Name() {
		return false
	}
	for _, w := range words[1:] {
		v, err := strconv.ParseUint(string(w), 16, 8)
		if err != nil {
			b.fail(fmt.Sprintf("not a hex byte: %q", w))
			b.frame.Reset()
			return true
		}
		st, done, err := b.frame.Add(byte(v))
		if err != nil {
			b.fail(err.Error())
			continue
		}
		if done {
			st.Charging = st.Current > b.ChargeDetectThreshold
			st.Time = at
			b.frames.Add(1)
			b.state.Publish(st)
		}
	}
	return true
}

func (b *Battery) fail(msg string) {
	b.bad.Add(1)
	b.lastBad.Store(&msg)
}

func (b *Battery) status(now time.Time) any {
	out := BatteryStatus(b.state.Latest(), now, b.staleAfter())
	out["frames"], out["bad_frames"] = b.frames.Load(), b.bad.Load()
	if e := b.lastBad.Load(); e != nil {
		out["last_error"] = *e
	}
	return out
}

// BatteryStatus is a battery state as /api/status shows it: values are
// null until the first report, and stale (with its age) when older than
// staleAfter, so a silent BMS never looks fresh.
func BatteryStatus(st hardware.BatteryState, now time.Time, staleAfter time.Duration) map[string]any {
	out := map[string]any{"type": "battery", "stale": st.Stale(now, staleAfter)}
	if st.Time.IsZero() {
		out["age_s"] = nil
		out["percentage"], out["voltage"], out["current"], out["temperature"], out["charging"] = nil, nil, nil, nil, nil
		return out
	}
	out["age_s"] = now.Sub(st.Time).Seconds()
	out["percentage"], out["voltage"], out["current"], out["temperature"], out["charging"] = st.Percentage, st.Voltage, st.Current, st.Temperature, st.Charging
	out["time"] = st.Time
	return out
}
