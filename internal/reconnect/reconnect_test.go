package reconnect_test

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/reconnect"
	"github.com/gorosys/rosys/internal/testwait"
)

type failure struct {
	err   string
	wait  time.Duration
	first bool
}

// The waits double up to Max; a session that made progress starts a new
// outage (first again, the wait back at Min); a session ended by its
// context is no failure.
func TestBackoffDoublesAndProgressResetsIt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []failure
	var progress uint64
	sessions := 0
	l := reconnect.Loop{
		Min: time.Millisecond, Max: 4 * time.Millisecond,
		Progress: func() uint64 { return progress },
		Failed: func(err error, wait time.Duration, first bool) {
			got = append(got, failure{err.Error(), wait, first})
		},
	}
	l.Run(ctx, func(ctx context.Context) error {
		sessions++
		switch sessions {
		case 5:
			progress++ // data came, then the connection failed
		case 6:
			return nil // ended without an error
		case 7:
			cancel()
			return errors.New("closed by Stop")
		}
		return errors.New("refused")
	})
	ms := time.Millisecond
	want := []failure{
		{"refused", ms, true}, {"refused", 2 * ms, false}, {"refused", 4 * ms, false}, {"refused", 4 * ms, false},
		{"refused", ms, true}, {reconnect.ErrEnded.Error(), 2 * ms, false},
	}
	if sessions != 7 || !slices.Equal(got, want) {
		t.Fatalf("%d sessions, failures %v; want 7 and %v", sessions, got, want)
	}
}

// Stop during a long wait ends the loop at once.
func TestRunEndsDuringTheWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	failed := make(chan struct{})
	l := reconnect.Loop{Min: time.Hour, Max: time.Hour, Failed: func(error, time.Duration, bool) { close(failed) }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Run(ctx, func(context.Context) error { return errors.New("refused") })
	}()
	testwait.For(t, failed, "the first failure", func(struct{}) bool { return true })
	cancel()
	testwait.For(t, done, "Run's return", func(struct{}) bool { return true })
}

// The Runner closes a session's connection when the session ends, and
// Stop closes the one a session is blocked reading, so the session
// returns and Stop does too.
func TestRunnerClosesTheConnection(t *testing.T) {
	var r reconnect.Runner
	if err := r.Stop(context.Background()); err != nil {
		t.Fatalf("Stop before Start: %v", err)
	}
	first, firstPeer := net.Pipe()
	second, secondPeer := net.Pipe()
	blocked := make(chan struct{})
	readErr := make(chan error, 1)
	sessions := 0
	r.Start(reconnect.Loop{Min: time.Millisecond, Max: time.Millisecond}, func(ctx context.Context) error {
		sessions++
		if sessions == 1 {
			r.SetConn(first)
			return errors.New("refused")
		}
		r.SetConn(second)
		close(blocked)
		_, err := second.Read(make([]byte, 1)) // blocks until Stop closes it
		readErr <- err
		return err
	})
	testwait.For(t, blocked, "the second session", func(struct{}) bool { return true })
	if _, err := firstPeer.Read(make([]byte, 1)); err == nil {
		t.Fatal("the first session's connection is still open after it ended")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := testwait.For(t, readErr, "the blocked read's end", func(error) bool { return true }); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("the blocked read ended with %v, want the pipe closed", err)
	}
	if _, err := secondPeer.Write([]byte{1}); err == nil {
		t.Fatal("the second connection is still open after Stop")
	}
}
