package camera

import "time"

// Status is a camera's state for /api/status and /api/cameras.
type Status struct {
	ID        string  `json:"id"`
	Source    string  `json:"source"`    // the source's Name (no credentials)
	Connected bool    `json:"connected"` // a frame came since the source last (re)connected
	FPS       float64 `json:"fps"`       // measured over the last frames' arrival times
	Frames    uint64  `json:"frames"`    // frames kept since the start
	Dropped   uint64  `json:"dropped"`   // frames refused at capture (not a JPEG, too large)
	// ConsumerDropped counts frames subscribers skipped because they
	// were slower than the camera (the camera never waits for them).
	ConsumerDropped uint64    `json:"consumer_dropped"`
	Reconnects      uint64    `json:"reconnects"` // times the source's connection ended
	LastFrame       time.Time `json:"last_frame,omitzero"`
	Width           int       `json:"width"` // of the newest frame
	Height          int       `json:"height"`
	RingFrames      int       `json:"ring_frames"`     // frames held now
	RingBytes       int       `json:"ring_bytes"`      // buffer memory held now (kept + free)
	Error           string    `json:"error,omitempty"` // the last error, kept after a reconnect
}

// fpsWindow is how far back the frame rate looks.
const fpsWindow = 2 * time.Second

// Status reports the camera's state. It does not allocate beyond the
// returned strings.
func (c *Camera) Status() Status {
	c.mu.RLock()
	defer c.mu.RUnlock()
	st := Status{
		ID: c.id, Source: c.src.Name(), Connected: c.connected, Frames: c.seq, Dropped: c.dropped,
		ConsumerDropped: c.subDrops.Load(), Reconnects: c.reconnects, LastFrame: c.lastTime, Error: c.lastErr,
		RingFrames: c.ring.n, RingBytes: c.ring.held + c.ring.freeCap,
	}
	if s := c.ring.latest(); s != nil {
		st.Width, st.Height = s.width, s.height
	}
	st.FPS = c.fps()
	return st
}

// fps is the frame rate over the arrival times of the frames in the last
// fpsWindow before the newest (of the last len(times)); 0 while
// disconnected or with fewer than two frames.
func (c *Camera) fps() float64 {
	if !c.connected || c.nTimes < 2 {
		return 0
	}
	newest := c.times[(c.nTimes-1)%len(c.times)]
	k := 1 // frames before the newest within the window
	var oldest time.Time
	for ; k < min(c.nTimes, len(c.times)); k++ {
		t := c.times[(c.nTimes-1-k)%len(c.times)]
		if newest.Sub(t) > fpsWindow {
			break
		}
		oldest = t
	}
	if k < 2 || !newest.After(oldest) {
		return 0
	}
	return float64(k-1) / newest.Sub(oldest).Seconds()
}
