package camera

import (
	"bytes"
	"testing"
	"time"
)

func TestRingBoundsCountAndBytes(t *testing.T) {
	const maxBytes = 100 << 10
	r := newRing(8, maxBytes)
	push := func(seq uint64, n int) {
		b := r.take(n)
		if len(b) != n {
			t.Fatalf("take(%d) gave %d bytes", n, len(b))
		}
		for i := range b {
			b[i] = byte(seq)
		}
		r.push(slot{seq: seq, t: time.Unix(int64(seq), 0), buf: b})
		if r.held+r.freeCap > maxBytes {
			t.Fatalf("after frame %d of %d bytes: %d held + %d free > %d", seq, n, r.held, r.freeCap, maxBytes)
		}
		if r.n > 8 {
			t.Fatalf("%d frames kept", r.n)
		}
	}
	for seq := uint64(1); seq <= 20; seq++ {
		push(seq, 1000)
	}
	if r.n != 8 || r.latest().seq != 20 || r.frames[r.head].seq != 13 {
		t.Fatalf("count bound: %d frames, newest %d, oldest %d", r.n, r.latest().seq, r.frames[r.head].seq)
	}
	// Large frames: the byte bound keeps fewer of them.
	for seq := uint64(21); seq <= 40; seq++ {
		push(seq, 30<<10)
	}
	if r.n < 2 || r.n > 3 || r.latest().seq != 40 {
		t.Fatalf("byte bound: %d frames of 30 KiB kept in 100 KiB, newest %d", r.n, r.latest().seq)
	}
	// Every kept frame still holds its own bytes.
	for k := 0; k < r.n; k++ {
		s := r.frames[(r.head+k)%len(r.frames)]
		if !bytes.Equal(s.buf, bytes.Repeat([]byte{byte(s.seq)}, len(s.buf))) {
			t.Fatalf("frame %d overwritten", s.seq)
		}
	}
	// One frame as large as the bound fits alone.
	push(41, maxBytes)
	if r.n != 1 || r.latest().seq != 41 {
		t.Fatalf("a frame of the whole bound: %d frames", r.n)
	}
	if s := r.at(time.Unix(40, 0)); s != nil {
		t.Fatalf("at(40) found frame %d, which was dropped", s.seq)
	}
}

// A stream of frames of wandering size allocates nothing once warm.
func TestEmitAllocatesNothingInSteadyState(t *testing.T) {
	c, err := New("a", newChanSource(), Options{RingFrames: 10})
	if err != nil {
		t.Fatal(err)
	}
	frames := [][]byte{testJPEG(t, 320, 240, 1), testJPEG(t, 320, 240, 2), testJPEG(t, 320, 240, 3)}
	stripped := stripDHT(t, frames[0]) // a UVC frame: tables inserted on the way in
	now := time.Now()
	emitAll := func() {
		for _, f := range frames {
			c.emit(f, now)
		}
		c.emit(stripped, now)
	}
	for range 5 {
		emitAll()
	}
	if a := testing.AllocsPerRun(100, emitAll); a != 0 {
		t.Fatalf("%v allocations per 4 frames", a)
	}
	var dst Frame
	c.LatestInto(&dst)
	if a := testing.AllocsPerRun(100, func() { c.LatestInto(&dst) }); a != 0 {
		t.Fatalf("LatestInto: %v allocations", a)
	}
}
