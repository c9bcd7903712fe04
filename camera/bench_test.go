package camera

import (
	"io"
	"testing"
	"time"
)

// benchStream is a multipart stream of 720p-sized frames, as ffmpeg's
// mpjpeg sends them (with Content-Length), played in a loop.
func benchStream(b *testing.B) (*repeatReader, int) {
	frames := [][]byte{testJPEG(b, 1280, 720, 1), testJPEG(b, 1280, 720, 2)}
	body := multipart("--frame", true, frames...)
	return &repeatReader{body: body}, len(body) / len(frames)
}

// BenchmarkIngest is the camera's whole path for one frame of a
// multipart stream: part framing, the JPEG checks, the copy into the
// ring, waking subscribers. Compare BenchmarkRawRead.
func BenchmarkIngest(b *testing.B) {
	r, per := benchStream(b)
	c, err := New("bench", newChanSource(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	pr := newPartReader(r, "frame", DefaultMaxFrameBytes)
	now := time.Now()
	b.SetBytes(int64(per))
	b.ReportAllocs()
	for b.Loop() {
		part, err := pr.next()
		if err != nil {
			b.Fatal(err)
		}
		c.emit(part, now)
	}
}

// BenchmarkRawRead reads the same stream's bytes, one frame's worth per
// iteration, through a buffer and drops them: the floor for Ingest.
func BenchmarkRawRead(b *testing.B) {
	r, per := benchStream(b)
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(per))
	b.ReportAllocs()
	for b.Loop() {
		for n := 0; n < per; {
			k, err := r.Read(buf[:min(len(buf), per-n)])
			if err != nil && err != io.EOF {
				b.Fatal(err)
			}
			n += k
		}
	}
}
