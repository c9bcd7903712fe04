package camera

import "time"

// ring keeps a camera's last frames, bounded by count and by bytes. Frames
// live in buffers that are reused: a frame that leaves the ring gives its
// buffer to the free list, and the next frame takes a free buffer large
// enough, so a stream of similar frames allocates nothing once warm.
//
// The byte bound counts buffer capacities (the memory really held), both
// of the frames kept and of the free buffers: a new buffer is only made
// after the free ones too small for it are dropped for the garbage
// collector, so held plus free never exceeds maxBytes.
//
// The ring has no lock of its own: the Camera guards it.
type ring struct {
	frames   []slot // circular, len = the count bound
	head     int    // index of the oldest frame
	n        int    // frames kept
	held     int    // capacity of the kept frames' buffers
	free     [][]byte
	freeCap  int // capacity of the free buffers
	maxBytes int
}

type slot struct {
	seq           uint64
	t             time.Time
	width, height int
	buf           []byte
}

func newRing(frames, maxBytes int) *ring {
	return &ring{frames: make([]slot, frames), free: make([][]byte, 0, frames+1), maxBytes: maxBytes}
}

// popOldest drops the oldest frame, keeping its buffer.
func (r *ring) popOldest() {
	s := &r.frames[r.head]
	r.held -= cap(s.buf)
	r.freeCap += cap(s.buf)
	r.free = append(r.free, s.buf[:0])
	*s = slot{}
	r.head = (r.head + 1) % len(r.frames)
	r.n--
}

// take returns a buffer of capacity ≥ n for a new frame, making room in
// the ring first. The caller has checked n ≤ maxBytes.
func (r *ring) take(n int) []byte {
	if r.n == len(r.frames) {
		r.popOldest()
	}
	for {
		// The smallest free buffer that fits, so big ones stay for big frames.
		best := -1
		for i, b := range r.free {
			if cap(b) >= n && (best < 0 || cap(b) < cap(r.free[best])) {
				best = i
			}
		}
		if best >= 0 && r.held+cap(r.free[best]) <= r.maxBytes {
			b := r.free[best]
			r.free[best] = r.free[len(r.free)-1]
			r.free[len(r.free)-1] = nil
			r.free = r.free[:len(r.free)-1]
			r.freeCap -= cap(b)
			return b[:n]
		}
		size := grow(n, r.maxBytes)
		if best < 0 && r.held+r.freeCap+size <= r.maxBytes {
			return make([]byte, n, size)
		}
		// Over the bound: give up the smallest free buffer that cannot
		// be used, or else the oldest frame, and look again.
		if small := r.smallestFree(n); small >= 0 {
			r.freeCap -= cap(r.free[small])
			r.free[small] = r.free[len(r.free)-1]
			r.free[len(r.free)-1] = nil
			r.free = r.free[:len(r.free)-1]
			continue
		}
		if r.n > 0 {
			r.popOldest()
			continue
		}
		// Unreachable: with nothing kept and no free buffer, held and
		// freeCap are 0 and grow's size is within maxBytes.
		return make([]byte, n, size)
	}
}

// smallestFree returns the index of the smallest free buffer that is too
// small for n bytes, or -1.
func (r *ring) smallestFree(n int) int {
	best := -1
	for i, b := range r.free {
		if cap(b) < n && (best < 0 || cap(b) < cap(r.free[best])) {
			best = i
		}
	}
	return best
}

// grow is the capacity given to a new buffer for n bytes: an eighth more,
// rounded up to 4 KiB, so the size of a stream's frames may wander a
// little without new buffers; never more than max.
func grow(n, max int) int {
	c := n + n/8
	c = (c + 4095) &^ 4095
	if c > max {
		c = max
	}
	if c < n {
		c = n
	}
	return c
}

// push keeps a frame whose buffer came from take.
func (r *ring) push(s slot) {
	i := (r.head + r.n) % len(r.frames)
	r.frames[i] = s
	r.held += cap(s.buf)
	r.n++
}

// latest returns the newest frame, if any.
func (r *ring) latest() *slot {
	if r.n == 0 {
		return nil
	}
	return &r.frames[(r.head+r.n-1)%len(r.frames)]
}

// at returns the newest frame not later than t, if any.
func (r *ring) at(t time.Time) *slot {
	for k := r.n - 1; k >= 0; k-- {
		s := &r.frames[(r.head+k)%len(r.frames)]
		if !s.t.After(t) {
			return s
		}
	}
	return nil
}
