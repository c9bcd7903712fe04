// Package reconnect runs a driver's connection again and again with
// exponential backoff: the loop the GNSS driver and the NTRIP client
// share. A session runs until its connection fails; the loop waits, twice
// as long each time up to a maximum, and starts the next. A session that
// made progress (received data) ends an outage: the wait starts again
// from the minimum, and the next failure is the first of a new outage.
package reconnect

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

// ErrEnded stands for a session that returned no error while its
// context was live: the connection ended without saying why.
var ErrEnded = errors.New("connection ended")

// Loop is the backoff and what a driver learns of each failure.
type Loop struct {
	// Min is the first wait after a failure, Max the longest.
	Min, Max time.Duration
	// Progress counts what sessions achieve (frames, good sentences); a
	// session during which it grew resets the backoff. Nil: never.
	Progress func() uint64
	// Failed is told of every session that ended while the context was
	// live, before the wait: its error, the wait, and whether it is the
	// first failure of an outage (log that one, not every retry).
	Failed func(err error, wait time.Duration, first bool)
}

// Run runs session until ctx ends, waiting between sessions. It returns
// when ctx ends, at once if it ends during a wait.
func (l Loop) Run(ctx context.Context, session func(context.Context) error) {
	progress := l.Progress
	if progress == nil {
		progress = func() uint64 { return 0 }
	}
	wait := l.Min
	failing := false
	for ctx.Err() == nil {
		before := progress()
		err := session(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = ErrEnded
		}
		if progress() != before {
			wait, failing = l.Min, false
		}
		if l.Failed != nil {
			l.Failed(err, wait, !failing)
		}
		failing = true
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		wait = min(2*wait, l.Max)
	}
}

// Runner runs a Loop on a goroutine of its own, from Start until Stop,
// and holds the session's open connection (SetConn) so that Stop can
// close it: a session blocked reading it returns. After every session
// the connection is closed.
type Runner struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex // guards conn
	conn   io.Closer
}

// Start runs l with session in the background and returns at once.
func (r *Runner) Start(l Loop, session func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	go func() {
		defer close(r.done)
		l.Run(ctx, func(ctx context.Context) error {
			err := session(ctx)
			r.SetConn(nil)
			return err
		})
	}()
}

// Stop ends the loop, closes the connection and waits for the loop's
// goroutine within ctx. Without Start it does nothing.
func (r *Runner) Stop(ctx context.Context) error {
	if r.cancel == nil {
		return nil
	}
	r.cancel()
	r.SetConn(nil)
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SetConn replaces the session's connection, closing the old one; nil
// closes only.
func (r *Runner) SetConn(c io.Closer) {
	r.mu.Lock()
	old := r.conn
	r.conn = c
	r.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
}
