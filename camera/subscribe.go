package camera

import (
	"context"
	"slices"
	"sync"
)

// Subscription delivers a camera's new frames to one consumer (a stream
// to a dashboard, a recorder, a detector). The camera never waits for it:
// a consumer slower than the camera gets the newest frame when it asks
// again and the frames in between count as dropped (Dropped and the
// camera's Status.ConsumerDropped).
type Subscription struct {
	c         *Camera
	wake      chan struct{} // capacity 1: "a frame came since you looked"
	closed    chan struct{}
	closeOnce sync.Once
	last      uint64 // Seq of the frame Next returned last (Next's goroutine only)
	dropped   uint64
	mu        sync.Mutex // guards dropped for Dropped
}

// Subscribe starts a subscription; Close it when done.
func (c *Camera) Subscribe() *Subscription {
	s := &Subscription{c: c, wake: make(chan struct{}, 1), closed: make(chan struct{})}
	c.subMu.Lock()
	defer c.subMu.Unlock()
	select {
	case <-c.done:
		close(s.closed) // the camera is closed already
		return s
	default:
	}
	subs := append(slices.Clone(*c.subs.Load()), s)
	c.subs.Store(&subs)
	return s
}

// Next waits for a frame newer than the last one it returned (the first
// call returns the newest frame at once if there is one) and copies it
// into dst, reusing dst.JPEG's buffer. It returns ctx's error, or
// ErrClosed once the subscription or its camera is closed.
func (s *Subscription) Next(ctx context.Context, dst *Frame) error {
	for {
		select {
		case <-s.closed:
			return ErrClosed
		default:
		}
		if s.c.newerInto(s.last, dst) {
			if s.last != 0 && dst.Seq > s.last+1 {
				skipped := dst.Seq - s.last - 1
				s.mu.Lock()
				s.dropped += skipped
				s.mu.Unlock()
				s.c.subDrops.Add(skipped)
			}
			s.last = dst.Seq
			return nil
		}
		select {
		case <-s.wake:
		case <-s.closed:
			return ErrClosed
		case <-s.c.done: // stopped: no frame newer than the last will come
			if !s.c.newerAvailable(s.last) {
				return ErrClosed
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Dropped is how many frames this subscriber skipped by being slower than
// the camera.
func (s *Subscription) Dropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Close ends the subscription: Next returns ErrClosed.
func (s *Subscription) Close() {
	c := s.c
	c.subMu.Lock()
	subs := slices.DeleteFunc(slices.Clone(*c.subs.Load()), func(x *Subscription) bool { return x == s })
	c.subs.Store(&subs)
	c.subMu.Unlock()
	s.closeOnce.Do(func() { close(s.closed) })
}

func (c *Camera) newerAvailable(seq uint64) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s := c.ring.latest()
	return s != nil && s.seq > seq
}

// newerInto copies the newest frame into dst if its Seq is above seq.
func (c *Camera) newerInto(seq uint64, dst *Frame) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s := c.ring.latest()
	if s == nil || s.seq <= seq {
		return false
	}
	s.fill(dst)
	return true
}
