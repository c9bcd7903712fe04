package lizard

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap"
)

// mismatchLogEvery rate-limits the report of core messages whose word
// count does not match the fields: once, then at most every 10 s.
const mismatchLogEvery = 10 * time.Second

// connectLoop opens the port, runs a session until the port fails, and
// reopens it with exponential backoff, until Stop.
func (d *Driver) connectLoop(ctx context.Context, w *wakeup) {
	defer close(d.done)
	defer func() {
		d.wake.CompareAndSwap(w, nil)
		w.close()
	}()
	backoff := d.cfg.ReconnectMin
	failing := false
	for ctx.Err() == nil {
		port, err := d.cfg.Open(d.cfg.Port, d.cfg.Baud)
		if err != nil {
			d.setErr(err)
			if !failing {
				d.log.Warn("cannot open the controller's port; retrying", zap.Error(err))
				failing = true
			}
			if !sleepCtx(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, d.cfg.ReconnectMax)
			continue
		}
		failing, backoff = false, d.cfg.ReconnectMin
		d.log.Info("controller port open")
		err = d.session(ctx, port, w)
		if ctx.Err() != nil {
			return
		}
		d.stats.reconnects.Add(1)
		d.setErr(err)
		d.log.Warn("controller connection lost; wheels considered stopped, reconnecting", zap.Error(err))
		if !sleepCtx(ctx, backoff) {
			return
		}
	}
}

// session runs the reader on this goroutine and the writer on another
// until either fails.
func (d *Driver) session(ctx context.Context, port io.ReadWriteCloser, w *wakeup) error {
	d.portMu.Lock()
	sctx, cancel := context.WithCancel(ctx)
	d.port, d.sessCtx = port, sctx
	d.portMu.Unlock()
	d.startup.autoTried.Store(false)
	if d.startup.mode != "off" {
		d.startup.actual.Store(-1)
		d.refuse.Or(refuseUnknown)
	}
	d.conn.Store(true)
	writerDone := make(chan error, 1)
	go func() { writerDone <- d.writer(sctx, port, w) }()

	err := d.reader(port)

	cancel()
	w.signal()    // the writer notices the cancel when it wakes
	d.closePort() // unblocks the writer if it is stuck in Write
	werr := <-writerDone
	// With the link gone the controller's motors stop on its own rules;
	// until telemetry returns the wheels count as stopped. This is
	// published before "not ready", so whoever reacts to that sees it.
	d.velocity.Publish(hardware.Velocity{Time: d.cfg.Now()})
	d.conn.Store(false)
	d.setReady(false)
	if err == nil || errors.Is(err, io.EOF) {
		err = werr
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func (d *Driver) closePort() {
	d.portMu.Lock()
	defer d.portMu.Unlock()
	if d.port != nil {
		_ = d.port.Close()
		d.port = nil
	}
}

// lineState is what decoding keeps from line to line.
type lineState struct {
	values       []float64
	clock        wire.ClockSync
	lastMismatch time.Time
}

func (d *Driver) newLineState() *lineState { return &lineState{values: make([]float64, len(d.fields))} }

// reader decodes lines until the port fails. Bad lines are counted and
// dropped; they never end the session.
func (d *Driver) reader(port io.Reader) error {
	lr := wire.NewLineReader(yieldingReader{port})
	st := d.newLineState()
	// The line reader counts from zero; the driver's count spans sessions,
	// so that it only grows, as a counter must (metrics).
	base := d.stats.overlong.Load()
	defer func() { d.stats.overlong.Store(base + lr.Overlong) }()
	for {
		line, err := lr.ReadLine()
		d.stats.overlong.Store(base + lr.Overlong)
		if err != nil {
			return err
		}
		recv := d.cfg.Now()
		d.handleLine(st, line, recv)
		// Recorded after it is handled: the journal's tick number is then
		// never earlier than the tick whose steps could first see the
		// line's measurements, and a replay feeds it before that tick.
		if d.cfg.Journal != nil {
			d.cfg.Journal.RecordAt(recv, d.cfg.JournalSource, RecordInput, line)
		}
	}
}

// handleLine interprets one received line as if it arrived at recv.
func (d *Driver) handleLine(st *lineState, line []byte, recv time.Time) {
	payload, err := wire.ParseLine(line)
	if err != nil {
		// Lizard prints "Ready." at boot without a checksum, after an
		// empty line.
		t := bytes.TrimSpace(line)
		if IsReady(string(t)) {
			d.restarted()
			return
		}
		if len(t) == 0 {
			return
		}
		d.stats.badChecksum.Add(1)
		d.log.Debug("dropped line", zap.ByteString("line", line), zap.Error(err))
		return
	}
	d.stats.lines.Add(1)
	if !wire.IsCore(payload) {
		d.log.Info("controller says", zap.ByteString("line", payload))
		d.messages.Publish(string(payload))
		d.handleMessage(payload, recv)
		return
	}
	millis, err := d.decoder.Decode(payload, st.values)
	if err != nil {
		d.decodeFailed(st, err, recv)
		return
	}
	at := st.clock.Map(millis, recv)

	for _, m := range d.modules {
		m.decode(st.values, at)
	}
	d.updateSafety()
	d.lastCore.Store(recv.UnixNano())
	if !d.ready.Load() {
		d.setReady(true)
		d.log.Info("controller ready")
	}
}

// decodeFailed counts and reports a core message that could not be
// decoded (kept off the hot path: errors.As makes its target escape).
func (d *Driver) decodeFailed(st *lineState, err error, recv time.Time) {
	var mm *wire.MismatchError
	if errors.As(err, &mm) {
		d.stats.mismatches.Add(1)
		if recv.Sub(st.lastMismatch) >= mismatchLogEvery {
			st.lastMismatch = recv
			d.log.Error("core message does not match the configured fields; values not used",
				zap.Stringers("expected", fieldStringers(mm.Expected)), zap.Strings("received", mm.Received))
			d.setErr(err)
		}
		return
	}
	d.stats.decodeErrors.Add(1)
	d.setErr(err)
}

// writer configures the controller's output and asks what it runs, then
// sends speed commands, queued commands, modules' requests and the
// heartbeat.
func (d *Driver) writer(ctx context.Context, port io.Writer, w *wakeup) error {
	buf := make([]byte, 0, 256)
	cmd := make([]byte, 0, 64)
	writeBytes := func(c []byte) error {
		buf = wire.AppendLineBytes(buf[:0], c)
		if _, err := port.Write(buf); err != nil {
			return err
		}
		d.stats.sent.Add(1)
		if d.cfg.Journal != nil {
			d.cfg.Journal.RecordAt(d.cfg.Now(), d.cfg.JournalSource, RecordCommand, buf[:len(buf)-1])
		}
		return nil
	}
	write := func(c string) error { return writeBytes(append(cmd[:0], c...)) }
	if err := write(wire.OutputCommand(d.fields)); err != nil {
		return err
	}
	if d.replay == nil {
		if err := write("core.info()"); err != nil {
			return err
		}
		if d.startup.mode != "off" {
			d.startup.askedAt.Store(d.cfg.Now().UnixNano())
			if err := write("core.startup_checksum()"); err != nil {
				return err
			}
		}
	}
	for {
		woken, err := w.wait(d.cfg.KeepAlive)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		beat := !woken
		d.mu.Lock()
		pending, speed := d.speedPending, d.speed
		d.speedPending = false
		d.mu.Unlock()
		sent := false
		if pending && d.wheels != nil {
			if err := writeBytes(d.wheels.speedCommand(cmd[:0], speed[0], speed[1])); err != nil {
				return err
			}
			sent = true
		}
	drain:
		for {
			select {
			case c := <-d.cmds:
				if err := write(c); err != nil {
					return err
				}
				sent = true
			default:
				break drain
			}
		}
		if d.replay == nil {
			now := d.cfg.Now()
			if d.ready.Load() && now.Sub(time.Unix(0, d.lastCore.Load())) > d.cfg.TelemetryTimeout {
				d.log.Warn("no core message from the controller; it counts as not ready (drive refused, e-stops and bumpers active) until they flow again",
					zap.Duration("timeout", d.cfg.TelemetryTimeout))
				d.velocity.Publish(hardware.Velocity{Time: now})
				d.setReady(false)
			}
			if d.ready.Load() && !d.startup.configuring.Load() {
				for _, p := range d.pollers {
					if c, ok := p.poll(now); ok {
						if err := write(c); err != nil {
							return err
						}
						sent = true
					}
				}
			}
			if d.refuse.Load()&refuseUnknown != 0 && now.Sub(time.Unix(0, d.startup.askedAt.Load())) >= reaskEvery {
				d.startup.askedAt.Store(now.UnixNano())
				if err := write("core.startup_checksum()"); err != nil {
					return err
				}
				sent = true
			}
		}
		if beat && !sent {
			if err := write(d.cfg.KeepAliveCommand); err != nil {
				return err
			}
		}
	}
}

// sendNow writes one command directly, used for the last zero speed at
// Stop, when the writer may already be gone.
func (d *Driver) sendNow(cmd string) {
	d.portMu.Lock()
	defer d.portMu.Unlock()
	if d.port != nil {
		if _, err := d.port.Write(wire.AppendLine(nil, cmd)); err == nil {
			d.stats.sent.Add(1)
			if d.cfg.Journal != nil {
				d.cfg.Journal.RecordAt(d.cfg.Now(), d.cfg.JournalSource, RecordCommand, []byte(cmd))
			}
		}
	}
}

func (d *Driver) setReady(r bool) {
	if d.ready.Swap(r) != r {
		d.readyT.Publish(r)
	}
}

func (d *Driver) setErr(err error) {
	if err != nil {
		s := err.Error()
		d.lastErr.Store(&s)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

type fieldStringer wire.Field

func (f fieldStringer) String() string { return wire.Field(f).String() }

func fieldStringers(fs []wire.Field) []fieldStringer {
	out := make([]fieldStringer, len(fs))
	for i, f := range fs {
		out[i] = fieldStringer(f)
	}
	return out
}
