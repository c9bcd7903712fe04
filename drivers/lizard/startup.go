package lizard

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
	"go.uber.org/zap"
)

// startupState is what the driver knows of the controller's startup code,
// compared with the code generated from the modules.
type startupState struct {
	mode          string // check | auto | off
	expected      uint16
	actual        atomic.Int32 // -1: not answered yet
	askedAt       atomic.Int64 // unix nanos of the last question
	autoTried     atomic.Bool  // one automatic upload per connection
	configuring   atomic.Bool
	lastConfigure atomic.Pointer[string]
}

// reaskEvery repeats an unanswered core.startup_checksum().
const reaskEvery = 2 * time.Second

// StartupStatus is hardware.drivers.lizard.startup in /api/status.
type StartupStatus struct {
	Mode          string `json:"mode"`
	Expected      string `json:"expected"`
	Actual        string `json:"actual"` // "" until the controller answers
	Match         bool   `json:"match"`
	Configuring   bool   `json:"configuring,omitempty"`
	LastConfigure string `json:"last_configure,omitempty"`
}

func (d *Driver) startupStatus() *StartupStatus {
	if d.code == nil {
		return nil
	}
	s := &StartupStatus{Mode: d.startup.mode, Expected: fmt.Sprintf("%04x", d.startup.expected), Configuring: d.startup.configuring.Load()}
	if a := d.startup.actual.Load(); a >= 0 {
		s.Actual = fmt.Sprintf("%04x", a)
		s.Match = uint16(a) == d.startup.expected
	}
	if l := d.startup.lastConfigure.Load(); l != nil {
		s.LastConfigure = *l
	}
	return s
}

// handleMessage looks at a line that is not a core message: answers to
// the driver's questions, lines from expanders and modules' own lines.
func (d *Driver) handleMessage(payload []byte, recv time.Time) {
	text := payload
	fromExpander := false
	for _, e := range d.expander {
		if p := e.prefix(); bytes.HasPrefix(payload, []byte(p)) {
			e.sawLine(string(payload))
			text = bytes.TrimSpace(payload[len(p):])
			fromExpander = true
			break
		}
	}
	if !fromExpander {
		if v, ok := ParseChecksumAnswer(string(text)); ok {
			d.gotChecksum(v)
			return
		}
		if v, ok := bytes.CutPrefix(text, []byte("version: ")); ok {
			s := string(bytes.TrimSpace(v))
			if old := d.version.Swap(&s); old == nil || *old != s {
				d.log.Info("controller firmware", zap.String("version", s))
			}
			return
		}
	}
	if len(d.handlers) > 0 {
		words := bytes.Fields(text)
		for _, h := range d.handlers {
			if h.handleLine(words, recv) {
				return
			}
		}
	}
}

// gotChecksum compares the controller's startup checksum with the
// generated code's.
func (d *Driver) gotChecksum(v uint16) {
	prev := d.startup.actual.Swap(int32(v))
	if d.startup.mode == "off" || d.startup.configuring.Load() {
		return
	}
	if v == d.startup.expected {
		d.refuse.And(^(refuseMismatch | refuseUnknown))
		if prev != int32(v) {
			d.log.Info("controller's startup code matches robot.yaml", zap.String("checksum", fmt.Sprintf("%04x", v)))
		}
		return
	}
	d.refuse.Or(refuseMismatch)
	d.refuse.And(^refuseUnknown)
	d.setSpeed(0, 0)
	if prev != int32(v) {
		d.log.Error("controller's startup code differs from robot.yaml's; run `rosys lizard configure` (or set hardware.lizard.configure: auto)",
			zap.String("expected", fmt.Sprintf("%04x", d.startup.expected)), zap.String("actual", fmt.Sprintf("%04x", v)), zap.String("mode", d.startup.mode))
	}
	if d.startup.mode == "auto" && d.startup.autoTried.CompareAndSwap(false, true) {
		d.portMu.Lock()
		ctx := d.sessCtx
		d.portMu.Unlock()
		if ctx != nil {
			go d.autoConfigure(ctx)
		}
	}
}

// restarted handles "Ready.": the controller booted (a reset, a power
// cut, or our own core.restart()), so what it runs is asked again.
func (d *Driver) restarted() {
	d.log.Info("controller restarted (Ready.)")
	d.setReady(false) // what it reported before is gone; ready again with its next core message
	d.dropSpeed()     // a speed meant for the controller before it restarted must not start it
	d.messages.Publish("Ready.")
	if d.startup.configuring.Load() {
		return // the upload asks itself
	}
	if d.startup.mode != "off" {
		d.refuse.Or(refuseUnknown)
		d.startup.actual.Store(-1)
	}
	_ = d.Send(wire.OutputCommand(d.fields))
	_ = d.Send("core.info()")
	if d.startup.mode != "off" {
		_ = d.Send("core.startup_checksum()")
		d.startup.askedAt.Store(d.cfg.Now().UnixNano())
	}
}

// autoConfigure uploads the generated code (hardware.lizard.configure:
// auto) while the wheels refuse to drive.
func (d *Driver) autoConfigure(ctx context.Context) {
	d.startup.configuring.Store(true)
	d.refuse.Or(refuseConfiguring)
	d.setSpeed(0, 0)
	replies, cancel := d.messages.Subscribe(1024)
	defer cancel()
	d.log.Info("uploading the startup code (hardware.lizard.configure: auto)", zap.Int("lines", len(d.code)))
	res, err := Configure(ctx, driverSender{d}, replies, d.code, d.cfg.ConfigureOptions)
	d.startup.configuring.Store(false)
	var msg string
	if err != nil {
		msg = "failed: " + err.Error()
		d.setErr(fmt.Errorf("configure: %w", err))
		d.log.Error("automatic configure failed", zap.Error(err))
	} else {
		msg = fmt.Sprintf("uploaded, checksum %04x matches (was %s)", res.Expected, hex4(res.Old))
		d.log.Info("automatic configure done", zap.String("result", msg))
	}
	d.startup.lastConfigure.Store(&msg)
	d.refuse.And(^refuseConfiguring)
	if res.Actual >= 0 {
		d.startup.actual.Store(-1)
		d.gotChecksum(uint16(res.Actual))
	}
}

// driverSender sends through the driver's writer, waiting for room.
type driverSender struct{ d *Driver }

func (s driverSender) SendLine(ctx context.Context, cmd string) error {
	if !s.d.conn.Load() {
		return ErrNotConnected
	}
	select {
	case s.d.cmds <- cmd:
		s.d.signal()
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Exchange sends one line and collects what the controller answers
// within window (core messages left out, at most 256 lines): the
// field engineer's console of POST /api/lizard/send.
func (d *Driver) Exchange(ctx context.Context, line string, window time.Duration) ([]string, error) {
	if strings.ContainsAny(line, "\r\n") {
		return nil, fmt.Errorf("lizard: one line only")
	}
	if err := checkLineLength(line); err != nil {
		return nil, err
	}
	replies, cancel := d.messages.Subscribe(256)
	defer cancel()
	if err := driverSender.SendLine(driverSender{d}, ctx, line); err != nil {
		return nil, err
	}
	t := time.NewTimer(window)
	defer t.Stop()
	out := []string{}
	for len(out) < 256 {
		select {
		case r := <-replies:
			out = append(out, r)
		case <-t.C:
			return out, nil
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	return out, nil
}

// Refusing names every reason the wheels refuse to drive now.
func (d *Driver) Refusing() []string {
	out := []string{}
	if d.wheels == nil {
		out = append(out, "no wheels module")
	}
	switch {
	case !d.conn.Load() && d.replay == nil:
		out = append(out, "controller not connected")
	case !d.ready.Load():
		out = append(out, "controller not ready (no core messages since connecting)")
	}
	for _, m := range d.inputs {
		out = m.reasons(out)
	}
	r := d.refuse.Load()
	if r&refuseConfiguring != 0 {
		out = append(out, "configuring the controller")
	}
	if r&refuseMismatch != 0 {
		out = append(out, fmt.Sprintf("startup code mismatch (expected %04x, controller has %04x)", d.startup.expected, d.startup.actual.Load()))
	}
	if r&refuseUnknown != 0 {
		out = append(out, "startup checksum not known yet (asked core.startup_checksum())")
	}
	return out
}

// ModuleStatus is each module's state for /api/status, by module name.
func (d *Driver) ModuleStatus() map[string]any {
	now := d.cfg.Now()
	out := make(map[string]any, len(d.modules))
	for _, m := range d.modules {
		if d.code == nil {
			continue // a hand-written configuration has no modules to show
		}
		out[m.Name()] = m.status(now)
	}
	return out
}
