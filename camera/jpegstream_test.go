package camera

import (
	"bytes"
	"strings"
	"testing"
)

// withThumbnail puts an APP1 segment holding a whole small JPEG (EOI
// included) after the SOI of j, as EXIF thumbnails are.
func withThumbnail(t *testing.T, j []byte) []byte {
	thumb := testJPEG(t, 8, 8, 9)
	seg := []byte{0xFF, 0xE1, byte((len(thumb) + 2) >> 8), byte(len(thumb) + 2)}
	out := append([]byte{0xFF, 0xD8}, seg...)
	out = append(out, thumb...)
	return append(out, j[2:]...)
}

func TestJPEGStreamSplits(t *testing.T) {
	frames := [][]byte{testJPEG(t, 64, 48, 1), withThumbnail(t, testJPEG(t, 64, 48, 2)), testJPEG(t, 16, 16, 3)}
	var stream []byte
	stream = append(stream, "junk before"...)
	for _, f := range frames {
		stream = append(stream, f...)
	}
	stream = append(stream, frames[0][:100]...) // a torn last frame
	js := newJPEGStream(bytes.NewReader(stream), 1<<20)
	for k, want := range frames {
		got, err := js.next()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %d bytes, %v; want %d", k, len(got), err, len(want))
		}
	}
	if js.skipped != uint64(len("junk before")) {
		t.Fatalf("skipped %d bytes", js.skipped)
	}
	if _, err := js.next(); err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Fatalf("torn frame: %v", err)
	}
	js = newJPEGStream(bytes.NewReader(testJPEG(t, 320, 240, 4)), 1000)
	if _, err := js.next(); err == nil || !strings.Contains(err.Error(), "more than 1000 bytes") {
		t.Fatalf("oversize frame: %v", err)
	}
	js = newJPEGStream(bytes.NewReader(bytes.Repeat([]byte{1}, maxSkip+10)), 1000)
	if _, err := js.next(); err == nil || !strings.Contains(err.Error(), "without a start of image") {
		t.Fatalf("no SOI: %v", err)
	}
}

func TestJPEGStreamAllocatesNothing(t *testing.T) {
	body := append(testJPEG(t, 320, 240, 1), testJPEG(t, 320, 240, 2)...)
	js := newJPEGStream(&repeatReader{body: body}, 1<<20)
	next := func() {
		if _, err := js.next(); err != nil {
			t.Fatal(err)
		}
	}
	for range 4 {
		next()
	}
	if a := testing.AllocsPerRun(200, next); a != 0 {
		t.Errorf("%v allocations per frame", a)
	}
}
