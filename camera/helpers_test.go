package camera

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"testing"
	"time"
)

// testJPEG encodes a w×h image whose pattern depends on k, so frames
// differ.
func testJPEG(t testing.TB, w, h, k int) []byte {
	t.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Y[y*img.YStride+x] = uint8(x*3 + y + k*17)
		}
	}
	for i := range img.Cb {
		img.Cb[i] = uint8(i + k)
		img.Cr[i] = 128
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// chanSource is a Source fed by the test: every value on frames is
// emitted, a value on fail ends the run with that error.
type chanSource struct {
	frames chan []byte
	ack    chan struct{}
	fail   chan error
	runs   chan int // the number of each run as it starts
	n      int
}

func newChanSource() *chanSource {
	return &chanSource{frames: make(chan []byte), ack: make(chan struct{}), fail: make(chan error), runs: make(chan int, 100)}
}

func (s *chanSource) Name() string { return "test" }

func (s *chanSource) Run(ctx context.Context, emit func([]byte, time.Time)) error {
	s.n++
	s.runs <- s.n
	for {
		select {
		case f := <-s.frames:
			emit(f, time.Time{})
			s.ack <- struct{}{}
		case err := <-s.fail:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// send hands one frame to the camera's source and waits until the
// camera has taken it (kept or dropped).
func (s *chanSource) send(f []byte) {
	s.frames <- f
	<-s.ack
}
