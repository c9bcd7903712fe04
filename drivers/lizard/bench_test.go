package lizard

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gorosys/rosys/drivers/lizard/wire"
)

// BenchmarkChecksum checks one typical telemetry line.
func BenchmarkChecksum(b *testing.B) {
	line := wire.AppendLine(nil, "core 123456 0.512 -0.250 false 1 0 12.345")
	line = line[:len(line)-1]
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wire.ParseLine(line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLineDecode is the whole receive path of a core message after
// the serial read: split lines, check the checksum, decode the fields.
// Its lines/s is the decoder's capacity.
func BenchmarkLineDecode(b *testing.B) {
	fields, err := wire.ParseFields(DefaultCoreFields)
	if err != nil {
		b.Fatal(err)
	}
	d := wire.NewCoreDecoder(fields)
	var stream []byte
	const lines = 1000
	for i := range lines {
		payload := "core " + fmt.Sprint(1000+i)
		for range len(fields) - 1 {
			payload += " 0.512"
		}
		payload += " false"
		stream = wire.AppendLine(stream, payload)
	}
	values := make([]float64, len(fields))
	r := bytes.NewReader(stream)
	lr := wire.NewLineReader(r)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(stream)
		for range lines {
			l, err := lr.ReadLine()
			if err != nil {
				b.Fatal(err)
			}
			p, err := wire.ParseLine(l)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := d.Decode(p, values); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "lines/s")
}
