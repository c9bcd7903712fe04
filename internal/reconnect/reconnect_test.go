package reconnect_test

import (
	"context"
	"errors"
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
