package camera

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

// stripDHT removes every DHT segment from a JPEG, as UVC cameras send it.
func stripDHT(t testing.TB, j []byte) []byte {
	t.Helper()
	out := []byte{0xFF, 0xD8}
	i := 2
	for {
		m := j[i+1]
		if m == 0xDA {
			return append(out, j[i:]...)
		}
		n := int(j[i+2])<<8 | int(j[i+3])
		if m != 0xC4 {
			out = append(out, j[i:i+2+n]...)
		}
		i += 2 + n
	}
}

// dhtTables splits the DHT segments of a JPEG into its tables, by class
// and id.
func dhtTables(t *testing.T, j []byte) map[byte][]byte {
	t.Helper()
	tables := map[byte][]byte{}
	i := 2
	for j[i+1] != 0xDA {
		n := int(j[i+2])<<8 | int(j[i+3])
		if j[i+1] == 0xC4 {
			seg := j[i+4 : i+2+n]
			for len(seg) > 0 {
				sum := 0
				for _, c := range seg[1:17] {
					sum += int(c)
				}
				tables[seg[0]] = seg[1 : 17+sum]
				seg = seg[17+sum:]
			}
		}
		i += 2 + n
	}
	return tables
}

// The inserted tables are the standard ones (Go's encoder writes exactly
// those of T.81 Annex K.3), and a frame stripped of them decodes again to
// the same pixels.
func TestHuffmanTablesInserted(t *testing.T) {
	full := testJPEG(t, 96, 64, 3)
	stripped := stripDHT(t, full)
	if bytes.Contains(stripped, []byte{0xFF, 0xC4}) || len(stripped) >= len(full) {
		t.Fatal("stripDHT left a DHT")
	}
	if _, err := jpeg.Decode(bytes.NewReader(stripped)); err == nil {
		t.Fatal("Go decoded a frame without Huffman tables: the test proves nothing")
	}
	fixed := WithHuffman(nil, stripped)
	want, got := dhtTables(t, full), dhtTables(t, fixed)
	if len(got) != 4 {
		t.Fatalf("%d tables inserted", len(got))
	}
	for k, v := range want {
		if !bytes.Equal(got[k], v) {
			t.Errorf("table %#02x differs from the standard one", k)
		}
	}
	a, err := jpeg.Decode(bytes.NewReader(full))
	if err != nil {
		t.Fatal(err)
	}
	b, err := jpeg.Decode(bytes.NewReader(fixed))
	if err != nil {
		t.Fatalf("the fixed frame does not decode: %v", err)
	}
	ya, yb := a.(*image.YCbCr), b.(*image.YCbCr)
	if !bytes.Equal(ya.Y, yb.Y) || !bytes.Equal(ya.Cb, yb.Cb) || !bytes.Equal(ya.Cr, yb.Cr) {
		t.Fatal("the fixed frame decodes to other pixels than the original")
	}
	if w, h, err := Size(fixed); err != nil || w != 96 || h != 64 {
		t.Fatalf("Size of the fixed frame: %dx%d %v", w, h, err)
	}
	// A frame with its tables passes unchanged.
	if !bytes.Equal(WithHuffman(nil, full), full) {
		t.Fatal("a frame with tables was changed")
	}
}
