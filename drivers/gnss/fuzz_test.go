package gnss

import (
	"bytes"
	"math"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gorosys/rosys/hardware"
)

var nmeaSeeds = []string{
	"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47",
	"$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A",
	"$GPGST,172814.0,0.006,0.023,0.020,273.6,0.023,0.020,0.031*6A",
	"$GPHDT,123.456,T*32",
	"$GNGGA,,,,,,0,00,,,M,,M,,*56",
	"$GPGSV,3,1,11,03,03,111,00*4A",
	"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48",
	"",
}

// FuzzParseNMEA: no input crashes the parser; an accepted sentence has a
// correct checksum and values in range, and the writer's form of it parses
// to the same kind.
func FuzzParseNMEA(f *testing.F) {
	for _, s := range nmeaSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		s, err := Parse(line)
		if err != nil {
			return
		}
		body, err := checkFrame(bytes.TrimRight(line, "\r\n"))
		if err != nil || len(line) > MaxSentenceLength+2 {
			t.Fatalf("accepted %q: %v", line, err)
		}
		_ = body
		finite := func(vs ...float64) {
			for _, v := range vs {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%q: value %v", line, v)
				}
			}
		}
		tod := func(d time.Duration) {
			if d < 0 || d > 24*time.Hour+time.Second {
				t.Fatalf("%q: time of day %v", line, d)
			}
		}
		latlon := func(lat, lon float64) {
			if math.Abs(lat) > 90 || math.Abs(lon) > 180 {
				t.Fatalf("%q: position %v %v", line, lat, lon)
			}
		}
		switch s.Kind {
		case KindGGA:
			g := s.GGA
			tod(g.Time)
			latlon(g.Lat, g.Lon)
			finite(g.HDOP, g.Altitude, g.GeoidSeparation, g.DiffAge)
		case KindRMC:
			r := s.RMC
			tod(r.Time)
			latlon(r.Lat, r.Lon)
			finite(r.Speed, r.Course)
			if r.Course < 0 || r.Course >= 360 {
				t.Fatalf("%q: course %v", line, r.Course)
			}
		case KindGST:
			g := s.GST
			tod(g.Time)
			finite(g.RMS, g.Major, g.Minor, g.Orient, g.LatStd, g.LonStd, g.AltStd)
		case KindHDT:
			if h := s.HDT.Heading; h < 0 || h >= 360 {
				t.Fatalf("%q: heading %v", line, h)
			}
		default:
			t.Fatalf("%q: accepted with kind %v", line, s.Kind)
		}
	})
}

// FuzzNMEAStream: any bytes on the serial line go through the line reader,
// the parser and the merger without a crash, lines stay bounded, and every
// published measurement is finite and placed consistently.
func FuzzNMEAStream(f *testing.F) {
	var all []byte
	for _, s := range nmeaSeeds {
		all = append(all, s...)
		all = append(all, "\r\n"...)
	}
	f.Add(all)
	f.Add([]byte("$GPHDT,1,T*0E\n\n\r\n$GPGGA,000000,0000.000,N,00000.000,E,4,1,1,1,M,1,M,,*7B\r\n"))
	ref, _ := hardware.NewGeoReference(48, 11)
	f.Fuzz(func(t *testing.T, b []byte) {
		a := &assembler{staleAfter: 2 * time.Second, ref: ref, antenna: hardware.Pose{X: 0.5, Y: 0.2, Yaw: 1}, publish: func(g hardware.GNSS) {
			for _, v := range []float64{g.Latitude, g.Longitude, g.X, g.Y, g.Yaw, g.Heading} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("published %+v", g)
				}
			}
			if g.HasLocal != g.HasFix() {
				t.Fatalf("local pose without a fix or the reverse: %+v", g)
			}
		}}
		lr := newLineReader(iotest.OneByteReader(bytes.NewReader(b)), maxNMEALine)
		recv := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		for {
			line, err := lr.readLine()
			if err != nil {
				return
			}
			if len(line) > maxNMEALine {
				t.Fatalf("line of %d bytes", len(line))
			}
			if s, err := Parse(line); err == nil {
				a.nmea(&s, recv)
			}
			recv = recv.Add(100 * time.Millisecond)
		}
	})
}

// FuzzGPSDReport: no gpsd line crashes the decoder or the merger, and
// nothing non-finite is published.
func FuzzGPSDReport(f *testing.F) {
	for _, l := range gpsdLines {
		f.Add([]byte(l))
	}
	f.Add([]byte(`{"class":"TPV","mode":3,"lat":1e308,"lon":-1e308}`))
	f.Add([]byte(`{"class":"ATT",,"heading":1e999}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		a := &assembler{staleAfter: 2 * time.Second, publish: func(g hardware.GNSS) {
			for _, v := range []float64{g.Latitude, g.Longitude, g.X, g.Y, g.Yaw, g.Heading} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%q published %+v", line, g)
				}
			}
		}}
		r, err := decodeGPSD(line)
		if err != nil {
			return
		}
		r.apply(a, time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
		r.apply(a, time.Date(2026, 1, 1, 12, 0, 1, 0, time.UTC))
	})
}
