package camera

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/clock"
)

// Bounds of Options (docs/cameras.md).
const (
	DefaultRingFrames    = 30
	MaxRingFrames        = 3600
	DefaultRingBytes     = 32 << 20
	MinRingBytes         = 64 << 10
	MaxRingBytes         = 1 << 30
	DefaultMaxFrameBytes = 8 << 20
	DefaultBackoffMin    = 100 * time.Millisecond
	DefaultBackoffMax    = 5 * time.Second
	MaxBackoff           = 5 * time.Minute
)

// Options configure a Camera; zero values take the defaults.
type Options struct {
	RingFrames int // frames kept, 1..MaxRingFrames (DefaultRingFrames)
	// RingBytes bounds the memory of the kept frames' buffers (with the
	// free ones), MinRingBytes..MaxRingBytes (DefaultRingBytes).
	RingBytes int
	// MaxFrameBytes refuses larger frames, counting them dropped
	// (DefaultMaxFrameBytes, at most RingBytes).
	MaxFrameBytes int
	// BackoffMin and BackoffMax bound the wait before reconnecting: it
	// starts at BackoffMin, doubles after every run that kept no frame, and
	// is back to BackoffMin after one that did.
	BackoffMin, BackoffMax time.Duration
	Clock                  clock.Clock // clock.Real{} when nil
}

func (o *Options) fill() error {
	if o.RingFrames == 0 {
		o.RingFrames = DefaultRingFrames
	}
	if o.RingBytes == 0 {
		o.RingBytes = DefaultRingBytes
	}
	if o.MaxFrameBytes == 0 {
		o.MaxFrameBytes = min(DefaultMaxFrameBytes, o.RingBytes)
	}
	if o.BackoffMin == 0 {
		o.BackoffMin = DefaultBackoffMin
	}
	if o.BackoffMax == 0 {
		o.BackoffMax = max(DefaultBackoffMax, o.BackoffMin)
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	switch {
	case o.RingFrames < 1 || o.RingFrames > MaxRingFrames:
		return fmt.Errorf("ring of %d frames: must be 1..%d", o.RingFrames, MaxRingFrames)
	case o.RingBytes < MinRingBytes || o.RingBytes > MaxRingBytes:
		return fmt.Errorf("ring of %d bytes: must be %d..%d", o.RingBytes, MinRingBytes, MaxRingBytes)
	case o.MaxFrameBytes < 1024 || o.MaxFrameBytes > o.RingBytes:
		return fmt.Errorf("frames of at most %d bytes: must be 1024..the ring's %d bytes", o.MaxFrameBytes, o.RingBytes)
	case o.BackoffMin <= 0 || o.BackoffMax < o.BackoffMin || o.BackoffMax > MaxBackoff:
		return fmt.Errorf("reconnect backoff %v..%v: must be positive, in order, at most %v", o.BackoffMin, o.BackoffMax, MaxBackoff)
	}
	return nil
}

// ErrClosed is returned by a Subscription's Next once its camera or the
// subscription is closed.
var ErrClosed = errors.New("camera: closed")

// Camera captures one source on a goroutine of its own, reconnecting with
// backoff, and keeps its last frames in a ring bounded by count and bytes.
// Readers (Latest, At, subscriptions) copy frames out under a read lock;
// the capture goroutine never waits for a consumer beyond such a copy.
type Camera struct {
	id   string
	src  Source
	opts Options

	mu   sync.RWMutex // guards ring and the status fields below
	ring *ring
	seq  uint64
	// status
	connected  bool
	lastTime   time.Time
	lastErr    string
	reconnects uint64
	dropped    uint64
	times      [32]time.Time // arrival times of the last frames, for fps
	nTimes     int

	subs      atomic.Pointer[[]*Subscription]
	subMu     sync.Mutex // serializes changes to subs
	subDrops  atomic.Uint64
	runFrames uint64 // frames of the current run (capture goroutine only)

	cancel context.CancelFunc
	done   chan struct{}
	start  sync.Once
}

// New returns a camera for src; Start begins capturing.
func New(id string, src Source, opts Options) (*Camera, error) {
	if id == "" {
		return nil, errors.New("camera: empty id")
	}
	if src == nil {
		return nil, fmt.Errorf("camera %s: no source", id)
	}
	if err := opts.fill(); err != nil {
		return nil, fmt.Errorf("camera %s: %w", id, err)
	}
	c := &Camera{id: id, src: src, opts: opts, ring: newRing(opts.RingFrames, opts.RingBytes), done: make(chan struct{})}
	c.subs.Store(&[]*Subscription{})
	return c, nil
}

// ID is the camera's id.
func (c *Camera) ID() string { return c.id }

// Source is what the camera captures.
func (c *Camera) Source() Source { return c.src }

// Start begins capturing on a goroutine of the camera's own until ctx is
// done or Close is called. Only the first call does anything.
func (c *Camera) Start(ctx context.Context) {
	c.start.Do(func() {
		ctx, c.cancel = context.WithCancel(ctx)
		if cd, ok := c.src.(ClockDriven); ok && cd.ClockDriven() {
			c.opts.Clock.Go(func() { defer close(c.done); c.capture(ctx, c.opts.Clock) })
		} else {
			// A source that waits on I/O lives in real time, and so does
			// its reconnect backoff: sleeping on a virtual clock's timer
			// from a goroutine the clock did not start would upset its
			// count of busy goroutines. Frames are still stamped by
			// Options.Clock.
			go func() { defer close(c.done); c.capture(ctx, clock.Real{}) }()
		}
	})
}

// Close stops capturing, waits for the capture goroutine, and ends the
// subscriptions (their Next returns ErrClosed).
func (c *Camera) Close() error {
	c.start.Do(func() { close(c.done) }) // never started: nothing to wait for
	if c.cancel != nil {
		c.cancel()
	}
	<-c.done
	c.subMu.Lock()
	for _, s := range *c.subs.Load() {
		s.closeOnce.Do(func() { close(s.closed) })
	}
	c.subs.Store(&[]*Subscription{})
	c.subMu.Unlock()
	return nil
}

// capture runs the source, again and again with backoff, until ctx ends.
func (c *Camera) capture(ctx context.Context, clk clock.Clock) {
	timer := clk.NewTimer()
	defer timer.Stop()
	backoff := c.opts.BackoffMin
	for ctx.Err() == nil {
		c.runFrames = 0
		err := c.src.Run(ctx, c.emit)
		if ctx.Err() != nil {
			break
		}
		if err == nil {
			err = errors.New("stream ended")
		}
		c.mu.Lock()
		c.connected = false
		c.lastErr = fmt.Sprintf("%s: %v", c.src.Name(), err)
		c.reconnects++
		c.nTimes = 0 // the frame rate is measured within one connection
		c.mu.Unlock()
		if c.runFrames > 0 {
			backoff = c.opts.BackoffMin
		}
		if timer.SleepUntil(ctx, clk.Now().Add(backoff), nil) != nil {
			break
		}
		backoff = min(2*backoff, c.opts.BackoffMax)
	}
	c.mu.Lock()
	c.connected = false
	c.mu.Unlock()
}

// emit keeps one frame from the source: it checks it is a JPEG, inserts
// the standard Huffman tables when it has none, and copies it into the
// ring. No allocation once the ring's buffers are warm.
func (c *Camera) emit(jpeg []byte, t time.Time) {
	if t.IsZero() {
		t = c.opts.Clock.Now()
	}
	jpeg = trimPadding(jpeg)
	w, h, err := Size(jpeg)
	if err == nil && (len(jpeg) < 2 || jpeg[len(jpeg)-2] != 0xFF || jpeg[len(jpeg)-1] != 0xD9) {
		err = fmt.Errorf("%w: torn frame of %d bytes without an end of image (EOI)", ErrNotJPEG, len(jpeg))
	}
	n := len(jpeg)
	if gap := huffmanGap(jpeg); gap >= 0 {
		n += len(standardDHT)
	}
	c.mu.Lock()
	if err == nil && n > c.opts.MaxFrameBytes {
		err = fmt.Errorf("frame of %d bytes: more than the %d allowed", n, c.opts.MaxFrameBytes)
	}
	if err != nil {
		c.dropped++
		c.lastErr = fmt.Sprintf("%s: frame dropped: %v", c.src.Name(), err)
		c.mu.Unlock()
		return
	}
	buf := WithHuffman(c.ring.take(n)[:0], jpeg)
	c.seq++
	c.ring.push(slot{seq: c.seq, t: t, width: w, height: h, buf: buf})
	c.connected = true
	c.lastTime = t
	c.times[c.nTimes%len(c.times)] = t
	c.nTimes++
	c.runFrames++
	c.mu.Unlock()
	for _, s := range *c.subs.Load() {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// trimPadding drops what cameras put after a frame's EOI: zeros (UVC
// payloads padded to the buffer's size) and line ends.
func trimPadding(j []byte) []byte {
	for len(j) > 2 {
		switch j[len(j)-1] {
		case 0x00, '\r', '\n', ' ':
			j = j[:len(j)-1]
		default:
			return j
		}
	}
	return j
}

// fill copies a kept frame into dst, reusing dst's buffer.
func (s *slot) fill(dst *Frame) {
	f := Frame{Seq: s.seq, Time: s.t, Width: s.width, Height: s.height, JPEG: s.buf}
	f.CopyTo(dst)
}

// LatestInto copies the newest frame into dst, reusing dst.JPEG's buffer;
// false when there is none yet.
func (c *Camera) LatestInto(dst *Frame) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s := c.ring.latest()
	if s == nil {
		return false
	}
	s.fill(dst)
	return true
}

// Latest returns a copy of the newest frame; false when there is none yet.
func (c *Camera) Latest() (Frame, bool) {
	var f Frame
	ok := c.LatestInto(&f)
	return f, ok
}

// AtInto copies the newest kept frame that arrived at or before t into
// dst; false when the ring holds none that old.
func (c *Camera) AtInto(t time.Time, dst *Frame) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s := c.ring.at(t)
	if s == nil {
		return false
	}
	s.fill(dst)
	return true
}

// At returns a copy of the newest kept frame that arrived at or before t.
func (c *Camera) At(t time.Time) (Frame, bool) {
	var f Frame
	ok := c.AtInto(t, &f)
	return f, ok
}
