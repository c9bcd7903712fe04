package ntrip_test

import (
	"bytes"
	"testing"

	"github.com/gorosys/rosys/drivers/ntrip"
	"github.com/gorosys/rosys/drivers/ntrip/ntriptest"
)

func TestCRC24QCheckValue(t *testing.T) {
	// The catalogue's check value of CRC-24/LTE-A (CRC-24Q's parameters).
	if got := ntrip.CRC24Q([]byte("123456789")); got != 0xCDE703 {
		t.Fatalf("CRC24Q(123456789) = %06X, want CDE703", got)
	}
}

func TestMessage1005IsWhatRTCMSays(t *testing.T) {
	p := ntriptest.Message1005(2003, 1, -1, 0.5)
	if len(p) != 19 || ntrip.MessageType(p) != 1005 {
		t.Fatalf("1005 payload: %d bytes, type %d", len(p), ntrip.MessageType(p))
	}
	f, ok := ntrip.AppendFrame(nil, p)
	if !ok || f[0] != 0xD3 || f[1] != 0 || f[2] != 19 || len(f) != 25 {
		t.Fatalf("frame % X", f)
	}
	if _, ok := ntrip.AppendFrame(nil, make([]byte, 1024)); ok {
		t.Fatal("a 1024-byte payload framed")
	}
}

func collect(f *ntrip.Framer, chunks ...[]byte) []byte {
	var out []byte
	for _, c := range chunks {
		f.Write(c, func(fr []byte) { out = append(out, fr...) })
	}
	return out
}

func TestFramerFindsFramesInGarbage(t *testing.T) {
	_, frames := ntriptest.Frames(0, 5)
	bad := bytes.Clone(frames[2])
	bad[10] ^= 0x40 // damaged on the way: its CRC fails
	var stream []byte
	stream = append(stream, "ICY 200 OK\r\n\r\n"...)
	stream = append(stream, frames[0]...)
	stream = append(stream, 0xD3, 0xFF, 0x00, 'x') // a 0xD3 whose reserved bits are set
	stream = append(stream, frames[1]...)
	stream = append(stream, bad...)
	stream = append(stream, frames[3]...)
	stream = append(stream, frames[4]...)
	want := slicesConcat(frames[0], frames[1], frames[3], frames[4])

	// At once, and a byte at a time: the same frames.
	var f1 ntrip.Framer
	if got := collect(&f1, stream); !bytes.Equal(got, want) {
		t.Fatalf("at once: got %d bytes, want %d", len(got), len(want))
	}
	var f2 ntrip.Framer
	var chunks [][]byte
	for i := range stream {
		chunks = append(chunks, stream[i:i+1])
	}
	if got := collect(&f2, chunks...); !bytes.Equal(got, want) {
		t.Fatalf("bytewise: got %d bytes, want %d", len(got), len(want))
	}
	for _, f := range []*ntrip.Framer{&f1, &f2} {
		if f.Frames != 4 || f.BadFrames == 0 || f.Skipped != uint64(len(stream)-len(want)) {
			t.Fatalf("counts: %d frames, %d bad, %d skipped of %d", f.Frames, f.BadFrames, f.Skipped, len(stream)-len(want))
		}
	}
}

func TestFramerMemoryIsBounded(t *testing.T) {
	var f ntrip.Framer
	junk := bytes.Repeat([]byte{0xD3, 0x03, 0xFF}, 100000) // each a header promising 1023 bytes
	n := 0
	f.Write(junk, func([]byte) { n++ })
	f.Write(junk, func([]byte) { n++ })
	if n != 0 || f.Frames != 0 {
		t.Fatalf("frames found in junk: %d", n)
	}
	// The junk's last header promises a frame's length; once that much
	// has come, the frame after it is found. A false header swallows at
	// most one frame's length.
	_, frames := ntriptest.Frames(7, 2)
	got := collect(&f, make([]byte, ntrip.MaxFrame), frames[0], []byte{0xD3, 0x00}, frames[1], make([]byte, 300), frames[0])
	if !bytes.Equal(got, slicesConcat(frames[0], frames[0])) || f.Frames != 2 {
		t.Fatalf("after junk: got %d bytes, %d frames", len(got), f.Frames)
	}
}

func slicesConcat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func FuzzFramer(f *testing.F) {
	all, _ := ntriptest.Frames(0, 3)
	f.Add(all, 7)
	f.Add([]byte{0xD3, 0x00, 0x00, 0x47, 0xEA, 0x4B}, 1) // an empty message
	f.Fuzz(func(t *testing.T, b []byte, split int) {
		var whole, parts ntrip.Framer
		a := collect(&whole, b)
		if split <= 0 {
			split = 1
		}
		var chunks [][]byte
		for i := 0; i < len(b); i += split {
			chunks = append(chunks, b[i:min(i+split, len(b))])
		}
		p := collect(&parts, chunks...)
		if !bytes.Equal(a, p) || whole.Frames != parts.Frames {
			t.Fatalf("split %d changes the frames found", split)
		}
		for rest := a; len(rest) > 0; {
			n := 6 + (int(rest[1]&3)<<8 | int(rest[2]))
			if ntrip.CRC24Q(rest[:n-3]) != uint32(rest[n-3])<<16|uint32(rest[n-2])<<8|uint32(rest[n-1]) {
				t.Fatal("a frame with a bad CRC passed")
			}
			rest = rest[n:]
		}
		if whole.Skipped+uint64(len(a)) > uint64(len(b)) {
			t.Fatal("more bytes counted than fed")
		}
	})
}
