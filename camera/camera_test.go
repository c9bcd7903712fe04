package camera

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testwait"
)

func startCamera(t *testing.T, src Source, opts Options) *Camera {
	t.Helper()
	c, err := New("front", src, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.Start(context.Background())
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestLatestAtAndStatus(t *testing.T) {
	src := newChanSource()
	c := startCamera(t, src, Options{RingFrames: 4})
	if _, ok := c.Latest(); ok {
		t.Fatal("a frame before any came")
	}
	var sent [][]byte
	var times []time.Time
	for k := range 6 {
		f := testJPEG(t, 64, 48, k)
		sent = append(sent, f)
		src.send(f)
		l, ok := c.Latest()
		if !ok || l.Seq != uint64(k+1) || !bytes.Equal(l.JPEG, f) || l.Width != 64 || l.Height != 48 {
			t.Fatalf("frame %d: latest is seq %d, %dx%d, equal %v", k, l.Seq, l.Width, l.Height, bytes.Equal(l.JPEG, f))
		}
		times = append(times, l.Time)
	}
	st := c.Status()
	if !st.Connected || st.Frames != 6 || st.Dropped != 0 || st.RingFrames != 4 || st.Width != 64 || st.Height != 48 || st.Source != "test" {
		t.Fatalf("status %+v", st)
	}
	// At: the newest frame not later than t; only the last 4 are kept.
	for k := 2; k < 6; k++ {
		f, ok := c.At(times[k])
		if !ok || f.Seq < uint64(k+1) || !bytes.Equal(f.JPEG, sent[f.Seq-1]) || f.Time.After(times[k]) {
			t.Fatalf("At(frame %d): seq %d ok %v", k, f.Seq, ok)
		}
	}
	if f, ok := c.At(times[2].Add(-time.Nanosecond)); ok && !f.Time.Before(times[2]) {
		t.Fatalf("At before the oldest kept frame returned seq %d", f.Seq)
	}
	if _, ok := c.At(times[0].Add(-time.Hour)); ok {
		t.Fatal("At an hour before the first frame found one")
	}
	// A returned frame is the caller's: later frames do not change it.
	keep, _ := c.Latest()
	want := bytes.Clone(keep.JPEG)
	for k := range 8 {
		src.send(testJPEG(t, 64, 48, 100+k))
	}
	if !bytes.Equal(keep.JPEG, want) {
		t.Fatal("a frame returned by Latest changed when the ring moved on")
	}
}

func TestBadFramesAreDroppedAndNamed(t *testing.T) {
	src := newChanSource()
	c := startCamera(t, src, Options{MaxFrameBytes: 4096, RingBytes: MinRingBytes})
	src.send([]byte("hello, not a jpeg"))
	st := c.Status()
	if st.Dropped != 1 || st.Frames != 0 || !strings.Contains(st.Error, "no SOI") {
		t.Fatalf("after garbage: %+v", st)
	}
	big := testJPEG(t, 640, 480, 1)
	if len(big) <= 4096 {
		t.Fatalf("test frame of %d bytes is not over the bound", len(big))
	}
	src.send(big)
	st = c.Status()
	if st.Dropped != 2 || st.Frames != 0 || !strings.Contains(st.Error, "more than the 4096 allowed") {
		t.Fatalf("after an oversize frame: %+v", st)
	}
	src.send(testJPEG(t, 16, 16, 1))
	if st = c.Status(); st.Frames != 1 || st.Dropped != 2 {
		t.Fatalf("after a good frame: %+v", st)
	}
}

func TestOptionsBounds(t *testing.T) {
	src := newChanSource()
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{RingFrames: -1}, "ring of -1 frames"},
		{Options{RingFrames: MaxRingFrames + 1}, "ring of 3601 frames"},
		{Options{RingBytes: 10}, "ring of 10 bytes"},
		{Options{MaxFrameBytes: 2 << 30}, "frames of at most"},
		{Options{BackoffMin: time.Second, BackoffMax: time.Millisecond}, "reconnect backoff"},
		{Options{BackoffMax: time.Hour}, "reconnect backoff"},
	} {
		if _, err := New("x", src, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "camera x") {
			t.Errorf("%+v: error %v, want one naming %q", tc.opts, err, tc.want)
		}
	}
	if _, err := New("", src, Options{}); err == nil {
		t.Error("an empty id was accepted")
	}
}

func TestReconnectsWithBackoff(t *testing.T) {
	src := newChanSource()
	c := startCamera(t, src, Options{BackoffMin: time.Millisecond, BackoffMax: 4 * time.Millisecond})
	testwait.For(t, src.runs, "first run", testwait.Equal(1))
	src.send(testJPEG(t, 32, 32, 0))
	if !c.Status().Connected {
		t.Fatal("not connected after a frame")
	}
	src.fail <- errors.New("cable pulled")
	testwait.For(t, src.runs, "second run", testwait.Equal(2))
	st := c.Status()
	if st.Connected || st.Reconnects != 1 || !strings.Contains(st.Error, "test: cable pulled") {
		t.Fatalf("after the drop: %+v", st)
	}
	// The ring keeps the frame from before the drop.
	if f, ok := c.Latest(); !ok || f.Seq != 1 {
		t.Fatalf("latest after the drop: %d %v", f.Seq, ok)
	}
	src.send(testJPEG(t, 32, 32, 1))
	if st = c.Status(); !st.Connected || st.Frames != 2 {
		t.Fatalf("after reconnecting: %+v", st)
	}
	// A source that ends without an error is a disconnect too.
	src.fail <- nil
	testwait.For(t, src.runs, "third run", testwait.Equal(3))
	if st = c.Status(); st.Reconnects != 2 || !strings.Contains(st.Error, "stream ended") {
		t.Fatalf("after the end of the stream: %+v", st)
	}
}

func TestCloseEndsCaptureAndSubscriptions(t *testing.T) {
	src := newChanSource()
	c, err := New("front", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Start(context.Background())
	testwait.For(t, src.runs, "first run", testwait.Equal(1))
	sub := c.Subscribe()
	errc := make(chan error, 1)
	go func() {
		var f Frame
		errc <- sub.Next(context.Background(), &f)
	}()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, errc, "Next to end", func(err error) bool { return errors.Is(err, ErrClosed) })
	if c.Status().Connected {
		t.Fatal("connected after Close")
	}
	// Closing a camera never started returns at once.
	c2, _ := New("b", src, Options{})
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
}
