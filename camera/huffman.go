package camera

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// UVC cameras (USB Video Class, the MJPEG of most USB cameras) and some
// network cameras leave out the Huffman tables of their frames: the UVC
// payload format says the decoder is to use the standard tables of ITU
// T.81 Annex K.3 (Tables K.3 to K.6). Decoders outside video players
// (Go's image/jpeg, browsers) refuse such a frame, so the Camera inserts
// the standard tables into every frame that has no DHT segment before it
// is kept, served or decoded.

// standardDHT is one DHT segment holding the four tables of Annex K.3:
// class/id byte, 16 code counts, then the values.
var standardDHT = buildDHT(
	table{0x00, "00010501010101010100000000000000", "000102030405060708090a0b"}, // K.3 luminance DC
	table{0x01, "00030101010101010101010000000000", "000102030405060708090a0b"}, // K.4 chrominance DC
	table{0x10, "0002010303020403050504040000017d", "" + // K.5 luminance AC
		"01020300041105122131410613516107227114328191a1082342b1c11552d1f0" +
		"2433627282090a161718191a25262728292a3435363738393a434445464748494a" +
		"535455565758595a636465666768696a737475767778797a838485868788898a" +
		"92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6" +
		"c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa"},
	table{0x11, "00020102040403040705040400010277", "" + // K.6 chrominance AC
		"000102031104052131061241510761711322328108144291a1b1c109233352f0" +
		"156272d10a162434e125f11718191a262728292a35363738393a434445464748" +
		"494a535455565758595a636465666768696a737475767778797a828384858687" +
		"88898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3" +
		"c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa"},
)

type table struct {
	class       byte // Tc<<4 | Th
	counts, val string
}

func buildDHT(tables ...table) []byte {
	seg := []byte{0xFF, 0xC4, 0, 0}
	for _, tb := range tables {
		counts := mustHex(tb.counts)
		val := mustHex(tb.val)
		sum := 0
		for _, c := range counts {
			sum += int(c)
		}
		if len(counts) != 16 || sum != len(val) {
			panic(fmt.Sprintf("camera: Huffman table %#02x: %d counts summing to %d for %d values", tb.class, len(counts), sum, len(val)))
		}
		seg = append(seg, tb.class)
		seg = append(seg, counts...)
		seg = append(seg, val...)
	}
	n := len(seg) - 2
	seg[2], seg[3] = byte(n>>8), byte(n)
	return seg
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic("camera: " + err.Error())
	}
	return b
}

// huffmanGap finds where a JPEG lacking Huffman tables needs them: the
// offset of its first SOS marker, or -1 when it has a DHT segment before
// that (nothing to insert) or its segments cannot be walked (left for the
// decoder to refuse). It does not allocate.
func huffmanGap(jpeg []byte) int {
	i := 2
	for i+4 <= len(jpeg) {
		if jpeg[i] != 0xFF {
			return -1
		}
		m := jpeg[i+1]
		switch {
		case m == 0xFF:
			i++ // fill byte
			continue
		case m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			i += 2
			continue
		case m == 0xC4:
			return -1
		case m == 0xDA:
			return i
		case m == 0xD9:
			return -1
		}
		n := int(jpeg[i+2])<<8 | int(jpeg[i+3])
		if n < 2 {
			return -1
		}
		i += 2 + n
	}
	return -1
}

// WithHuffman appends jpeg to dst with the standard Huffman tables
// inserted before its scan when it has none, or as it is when it has
// them, and returns the extended slice. It allocates only when dst lacks
// the capacity.
func WithHuffman(dst, jpeg []byte) []byte {
	gap := huffmanGap(jpeg)
	if gap < 0 {
		return append(dst, jpeg...)
	}
	dst = append(dst, jpeg[:gap]...)
	dst = append(dst, standardDHT...)
	return append(dst, jpeg[gap:]...)
}
