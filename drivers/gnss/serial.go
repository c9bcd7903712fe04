package gnss

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// maxNMEALine bounds a line from the receiver; longer ones are counted and
// skipped. Sentences themselves are bounded tighter by Parse.
const maxNMEALine = 1024

// badLogEvery rate-limits the warning about bad sentences.
const badLogEvery = 10 * time.Second

// serialSession opens the receiver's port and reads sentences until the
// port fails (unplugged) or Stop closes it.
func (d *Driver) serialSession(ctx context.Context) error {
	port, err := d.cfg.Open(d.cfg.Port, d.cfg.Baud)
	if err != nil {
		return fmt.Errorf("gnss: open %s: %w", d.cfg.Port, err)
	}
	d.run.SetConn(port)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	stopWriter := d.startWriter(port)
	defer stopWriter()
	d.connected()
	d.log.Info("receiver port open")
	a := d.newAssembler()
	lr := newLineReader(port, maxNMEALine)
	var seen uint64
	var lastWarn time.Time
	for {
		line, err := lr.readLine()
		d.overlong.Add(lr.overlong - seen)
		seen = lr.overlong
		if err != nil {
			return fmt.Errorf("gnss: read %s: %w", d.cfg.Port, err)
		}
		if len(line) == 0 {
			continue // a stray line ending, not a sentence
		}
		recv := d.cfg.Now()
		s, err := Parse(line)
		switch {
		case errors.Is(err, ErrUnsupported):
			d.ignored.Add(1)
		case err != nil:
			d.bad.Add(1)
			// Once, then at most every 10 s: a wrong baud rate makes every
			// line bad, and the log should say so without flooding.
			if lastWarn.IsZero() || recv.Sub(lastWarn) >= badLogEvery {
				lastWarn = recv
				d.log.Warn("dropping bad sentences (wrong baud rate? noise?)", zap.Uint64("bad_so_far", d.bad.Load()),
					zap.ByteString("example", line[:min(len(line), 100)]), zap.Error(err))
			}
		default:
			d.good.Add(1)
			a.nmea(&s, recv)
		}
	}
}
