package camera

import (
	"strings"
	"testing"
)

func TestSize(t *testing.T) {
	j := testJPEG(t, 320, 200, 0)
	if w, h, err := Size(j); err != nil || w != 320 || h != 200 {
		t.Fatalf("Size: %dx%d %v", w, h, err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "no SOI"},
		{"text", []byte("GET / HTTP/1.1"), "no SOI"},
		{"SOI then EOI", []byte{0xFF, 0xD8, 0xFF, 0xD9, 0, 0}, "marker 0xd9 before any frame header"},
		{"truncated", j[:30], "overruns"},
		{"garbage after SOI", []byte{0xFF, 0xD8, 0x12, 0x34, 0, 0}, "where a marker belongs"},
		{"segment overrun", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF, 0}, "overruns"},
	} {
		if _, _, err := Size(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestCloneOwnsItsBytes(t *testing.T) {
	f := Frame{Seq: 3, Width: 2, Height: 1, JPEG: []byte{1, 2, 3}}
	c := f.Clone()
	f.JPEG[0] = 9
	if c.JPEG[0] != 1 || c.Seq != 3 || c.Width != 2 {
		t.Fatalf("clone %+v", c)
	}
	dst := Frame{JPEG: make([]byte, 0, 10)}
	f.CopyTo(&dst)
	if &dst.JPEG[:1][0] == &f.JPEG[0] || len(dst.JPEG) != 3 || cap(dst.JPEG) != 10 {
		t.Fatal("CopyTo did not reuse the destination's buffer")
	}
}
