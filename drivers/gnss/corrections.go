package gnss

import (
	"errors"
	"fmt"
	"io"
)

// correctionQueue bounds the corrections waiting for the port: 128 frames
// of RTCM 3 (at most 1029 bytes each) are several seconds of a busy
// mountpoint's stream. A full queue drops the newest: corrections that
// cannot reach the receiver in time are worthless anyway.
const correctionQueue = 128

// Errors of WriteCorrections.
var (
	// ErrNoWritePath: the source cannot take corrections. gpsd can take
	// them from a caster itself (an ntrip:// source on its command line).
	ErrNoWritePath = errors.New("gnss: corrections need the serial source (with gpsd, give gpsd the caster as an ntrip:// source)")
	// ErrPortClosed: the port is not open now (unplugged, reconnecting).
	ErrPortClosed = errors.New("gnss: receiver port not open")
	// ErrQueueFull: the port takes the corrections slower than they come.
	ErrQueueFull = errors.New("gnss: corrections queue full")
)

// WriteCorrections queues b (RTCM corrections for the receiver) for the
// serial port and returns at once: it never waits for the port, and the
// reader of the port never waits for it. b is copied. It fails without
// queueing when the source is gpsd, the port is not open, or the queue is
// full; the driver's status counts what was written and what was dropped.
func (d *Driver) WriteCorrections(b []byte) error {
	if d.cfg.Port == "" {
		return ErrNoWritePath
	}
	if !d.writable.Load() {
		d.corrDropped.Add(1)
		return ErrPortClosed
	}
	select {
	case d.corr <- append([]byte(nil), b...):
		return nil
	default:
		d.corrDropped.Add(1)
		return ErrQueueFull
	}
}

// startWriter starts the goroutine that writes queued corrections to the
// port of one session; the returned function stops it. It does not wait
// for a write in progress (a blocked write ends when the port closes, at
// the session's end): the session and Stop never wait on the port's write.
func (d *Driver) startWriter(port io.ReadCloser) (stop func()) {
	w, ok := port.(io.Writer)
	if !ok {
		return func() {}
	}
	// Corrections queued while the port was closed are stale.
	for drained := false; !drained; {
		select {
		case <-d.corr:
		default:
			drained = true
		}
	}
	done := make(chan struct{})
	d.writable.Store(true)
	go func() {
		for {
			select {
			case <-done:
				return
			case b := <-d.corr:
				if _, err := w.Write(b); err != nil {
					d.corrDropped.Add(1)
					s := fmt.Sprintf("gnss: write corrections to %s: %v", d.cfg.Port, err)
					d.lastErr.Store(&s)
					continue
				}
				d.corrBytes.Add(uint64(len(b)))
			}
		}
	}()
	return func() {
		d.writable.Store(false)
		close(done)
	}
}
