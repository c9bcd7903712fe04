package gnss

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
)

var benchSentences = map[string][]byte{
	"GGA": []byte("$GNGGA,081530.25,4807.0380000,N,01131.0000000,E,4,12,0.8,545.400,M,46.900,M,1.0,0000*7E"),
	"RMC": []byte("$GNRMC,081530.25,A,4807.0380000,N,01131.0000000,E,0.500,84.40,301126,,,R,V*2B"),
	"GST": []byte("$GNGST,081530.25,0.5,0.02,0.01,10.0,0.015,0.012,0.03*7D"),
	"HDT": []byte("$GNHDT,123.4,T*1F"),
}

func init() {
	// The checksums above are written by hand; make them right.
	for k, s := range benchSentences {
		body := s[1:bytes.IndexByte(s, '*')]
		benchSentences[k] = bytes.TrimRight(AppendSentence(nil, body), "\r\n")
	}
}

// BenchmarkNMEAParse is the parser's cost per sentence, with allocations
// (0 expected).
func BenchmarkNMEAParse(b *testing.B) {
	for _, k := range []string{"GGA", "RMC", "GST", "HDT"} {
		line := benchSentences[k]
		b.Run(k, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if _, err := Parse(line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNMEABaselineXOR is the floor: touching every byte once to
// compute the checksum, which any parser must do.
func BenchmarkNMEABaselineXOR(b *testing.B) {
	line := benchSentences["GGA"]
	b.SetBytes(int64(len(line)))
	var sum byte
	for b.Loop() {
		for _, c := range line[1 : len(line)-3] {
			sum ^= c
		}
	}
	_ = sum
}

// BenchmarkNMEANaiveSplit is what a first attempt would do: split into
// strings and convert every field with strconv (no validation at all).
func BenchmarkNMEANaiveSplit(b *testing.B) {
	line := benchSentences["GGA"]
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		f := strings.Split(string(line[1:len(line)-3]), ",")
		for _, x := range f[1:] {
			_, _ = strconv.ParseFloat(x, 64)
		}
	}
}

// BenchmarkNMEAStream is the whole serial path per 4-sentence burst: line
// reader, parser, merger and publication into the latest-value cell.
func BenchmarkNMEAStream(b *testing.B) {
	var burst []byte
	for _, k := range []string{"GGA", "RMC", "GST", "HDT"} {
		burst = append(burst, benchSentences[k]...)
		burst = append(burst, "\r\n"...)
	}
	var topic hardware.Topic[hardware.GNSS]
	ref, _ := hardware.NewGeoReference(48.1, 11.5)
	a := &assembler{staleAfter: 2 * time.Second, ref: ref, publish: topic.Publish}
	r := bytes.NewReader(burst)
	lr := newLineReader(r, maxNMEALine)
	recv := time.Date(2026, 11, 30, 8, 15, 30, 0, time.UTC)
	b.ReportAllocs()
	b.SetBytes(int64(len(burst)))
	for b.Loop() {
		r.Reset(burst)
		for range 4 {
			line, err := lr.readLine()
			if err != nil {
				b.Fatal(err)
			}
			s, err := Parse(line)
			if err != nil {
				b.Fatal(err)
			}
			a.nmea(&s, recv)
		}
	}
}
