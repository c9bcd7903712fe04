package wire

import (
	"bytes"
	"strings"
	"testing"
	"testing/iotest"
)

// FuzzParseLine: no input crashes the line check, and an accepted line is
// exactly what AppendLine makes of its payload (modulo hex case).
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{"1 + 2@28", "core 12 0.300 0.000 false@5d", "@00", "x@zz", "", "\xff\x00@ff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		p, err := ParseLine(line)
		if err != nil {
			return
		}
		again := AppendLine(nil, string(p))
		if !bytes.EqualFold(again[:len(again)-1], line) {
			t.Fatalf("%q parsed to %q, re-encoded as %q", line, p, again)
		}
	})
}

// FuzzLineReader: arbitrary bytes split into lines without panics, and no
// line is longer than the bound.
func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\r\nb\n" + strings.Repeat("x", 2000) + "\nc"))
	f.Fuzz(func(t *testing.T, b []byte) {
		lr := NewLineReader(iotest.OneByteReader(bytes.NewReader(b)))
		for {
			l, err := lr.ReadLine()
			if err != nil {
				return
			}
			if len(l) > MaxLineLength {
				t.Fatalf("line of %d bytes", len(l))
			}
		}
	})
}

// FuzzCoreDecode: no core message crashes the decoder; values are only
// assigned when the word count matches.
func FuzzCoreDecode(f *testing.F) {
	f.Add([]byte("core 1234 0.500 -0.250 true"))
	f.Add([]byte("core 1 2"))
	f.Add([]byte("core x y z w"))
	fields, _ := ParseFields([]string{"wheels.linear_speed:3", "wheels.angular_speed:3", "estop.active"}) // the driver's defaults
	d := NewCoreDecoder(fields)
	f.Fuzz(func(t *testing.T, payload []byte) {
		v := make([]float64, len(fields))
		_, _ = d.Decode(payload, v)
	})
}
