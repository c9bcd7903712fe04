package camera

import (
	"bytes"
	"testing"
)

// Everything a camera sends is untrusted: the parsers must end every
// input with a frame within its bound or an error, never a panic.

func FuzzPartReader(f *testing.F) {
	j := testJPEG(f, 16, 16, 1)
	f.Add(multipart("--b", true, j, j))
	f.Add(multipart("--b", false, j, j))
	f.Add([]byte("--b\r\nContent-Length: 99999999999\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pr := newPartReader(bytes.NewReader(data), "b", 4096)
		for range 8 {
			part, err := pr.next()
			if err != nil {
				return
			}
			if len(part) > 4096 {
				t.Fatalf("a part of %d bytes past the bound", len(part))
			}
		}
	})
}

func FuzzJPEGStream(f *testing.F) {
	j := testJPEG(f, 16, 16, 1)
	f.Add(append(bytes.Clone(j), j...))
	f.Add(j[:len(j)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		js := newJPEGStream(bytes.NewReader(data), 4096)
		for range 8 {
			frame, err := js.next()
			if err != nil {
				return
			}
			if len(frame) > 4096 || frame[0] != 0xFF || frame[1] != 0xD8 || frame[len(frame)-1] != 0xD9 {
				t.Fatalf("a frame of %d bytes from %x… to …%x", len(frame), frame[:2], frame[len(frame)-1:])
			}
		}
	})
}

// A frame the camera keeps has a size and, after WithHuffman, still the
// same size; the checks never panic.
func FuzzKeepFrame(f *testing.F) {
	j := testJPEG(f, 16, 16, 1)
	f.Add(j)
	f.Add(stripDHT(f, j))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, h, err := Size(data)
		fixed := WithHuffman(nil, data)
		if err != nil {
			return
		}
		w2, h2, err := Size(fixed)
		if err != nil || w2 != w || h2 != h {
			t.Fatalf("%dx%d became %dx%d (%v) with the tables", w, h, w2, h2, err)
		}
	})
}

func FuzzParseChallenge(f *testing.F) {
	f.Add(`Digest realm="cam", qop="auth", nonce="abc", opaque="x", algorithm=MD5`)
	f.Add(`Basic realm="cam"`)
	f.Fuzz(func(t *testing.T, h string) {
		ch, err := parseChallenge(h)
		if err != nil {
			return
		}
		if ch.scheme != "basic" && ch.scheme != "digest" {
			t.Fatalf("scheme %q accepted", ch.scheme)
		}
		var d digest
		_, _ = authorization(ch, &d, "u", "p", "GET", "/")
	})
}
