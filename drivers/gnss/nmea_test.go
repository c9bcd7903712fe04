package gnss

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// framed adds "$", the checksum and "\r\n" to body.
func framed(body string) []byte { return AppendSentence(nil, []byte(body)) }

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func mustParse(t *testing.T, line []byte) Sentence {
	t.Helper()
	s, err := Parse(line)
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	return s
}

// The textbook sentences, with the checksums they are published with.
func TestParseGGA(t *testing.T) {
	s := mustParse(t, []byte("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"))
	g := s.GGA
	if s.Kind != KindGGA || s.Talker != [2]byte{'G', 'P'} || !g.HasTime || g.Time != 12*time.Hour+35*time.Minute+19*time.Second {
		t.Fatalf("%+v", s)
	}
	if !g.HasPosition || !near(g.Lat, 48+7.038/60, 1e-12) || !near(g.Lon, 11+31.0/60, 1e-12) {
		t.Fatalf("position %v %v", g.Lat, g.Lon)
	}
	if g.Quality != hardware.QualityGPS || g.Satellites != 8 || g.HDOP != 0.9 || g.Altitude != 545.4 || g.GeoidSeparation != 46.9 || g.DiffAge != 0 {
		t.Fatalf("%+v", g)
	}
	// South, west, RTK fixed, fractional seconds, a multi-constellation talker.
	s = mustParse(t, framed("GNGGA,235959.95,3352.1234567,S,15112.7654321,W,4,31,0.6,-12.250,M,20.1,M,1.2,0123"))
	g = s.GGA
	if s.Talker != [2]byte{'G', 'N'} || g.Quality != hardware.QualityRTKFixed || g.Satellites != 31 || g.DiffAge != 1.2 || g.Altitude != -12.25 {
		t.Fatalf("%+v", s)
	}
	if g.Time != 23*time.Hour+59*time.Minute+59*time.Second+950*time.Millisecond {
		t.Fatalf("time %v", g.Time)
	}
	if !near(g.Lat, -(33+52.1234567/60), 1e-12) || !near(g.Lon, -(151+12.7654321/60), 1e-12) {
		t.Fatalf("position %v %v", g.Lat, g.Lon)
	}
}

// A receiver without a fix sends empty fields: no position, no error.
func TestParseEmptyFieldsIsNoFix(t *testing.T) {
	g := mustParse(t, framed("GPGGA,,,,,,0,00,,,M,,M,,")).GGA
	if g.HasPosition || g.HasTime || g.Quality != hardware.QualityNone {
		t.Fatalf("%+v", g)
	}
	r := mustParse(t, framed("GNRMC,101010.00,V,,,,,,,010125,,,N,V")).RMC
	if r.Active || r.HasPosition || r.HasCourse || !r.HasDate || r.Mode != 'N' {
		t.Fatalf("%+v", r)
	}
	h := mustParse(t, framed("GNHDT,,T")).HDT
	if h.HasHeading {
		t.Fatalf("%+v", h)
	}
}

func TestParseRMC(t *testing.T) {
	r := mustParse(t, []byte("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n")).RMC
	if !r.Active || !r.HasPosition || !r.HasCourse || r.Course != 84.4 || !near(r.Speed, 22.4*0.514444, 1e-4) {
		t.Fatalf("%+v", r)
	}
	// gpsd 3.22 reads 230394 as 1994-03-23 and moves it 1024 GPS weeks on.
	if !r.HasDate || !r.Date.Equal(time.Date(2013, 11, 6, 0, 0, 0, 0, time.UTC)) || r.Mode != 0 {
		t.Fatalf("date %v mode %q", r.Date, r.Mode)
	}
	r = mustParse(t, framed("GNRMC,081500.00,A,4807.0380000,N,01131.0000000,E,0.000,,301126,,,R,V")).RMC
	if r.HasCourse || r.Mode != 'R' || !r.Date.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v", r)
	}
}

func TestParseGSTAndHDT(t *testing.T) {
	g := mustParse(t, []byte("$GPGST,172814.0,0.006,0.023,0.020,273.6,0.023,0.020,0.031*6A")).GST
	if g.Time != 17*time.Hour+28*time.Minute+14*time.Second || g.RMS != 0.006 || g.Orient != 273.6 || g.LatStd != 0.023 || g.LonStd != 0.020 || g.AltStd != 0.031 {
		t.Fatalf("%+v", g)
	}
	h := mustParse(t, []byte("$GPHDT,123.456,T*32")).HDT
	if !h.HasHeading || h.Heading != 123.456 {
		t.Fatalf("%+v", h)
	}
	if h := mustParse(t, framed("GNHDT,360.0,T")).HDT; h.Heading != 0 {
		t.Fatalf("360° is %v", h.Heading)
	}
}

func TestParseErrors(t *testing.T) {
	good := "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"
	for _, tc := range []struct {
		name string
		line []byte
		want error
	}{
		{"bad checksum", []byte(strings.Replace(good, "*47", "*48", 1)), ErrChecksum},
		{"damaged digit", []byte(strings.Replace(good, "4807", "4817", 1)), ErrChecksum},
		{"lower-case checksum is fine, wrong one is not", []byte(strings.Replace(good, "*47", "*4a", 1)), ErrChecksum},
		{"no checksum", []byte(good[:len(good)-3]), ErrFormat},
		{"truncated", []byte(good[:40]), ErrFormat},
		{"truncated checksum", []byte(good[:len(good)-1]), ErrFormat},
		{"no dollar", []byte(good[1:]), ErrFormat},
		{"empty", nil, ErrFormat},
		{"binary", framed("GPGGA,\x01\x02"), ErrFormat},
		{"too long", []byte("$" + strings.Repeat("A", 300) + "*00"), ErrTooLong},
		{"GGA one field short", framed("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,"), ErrFormat},
		{"GGA one field long", framed("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,,"), ErrFormat},
		{"RMC short", framed("GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394"), ErrFormat},
		{"GST short", framed("GPGST,172814.0,0.006,0.023"), ErrFormat},
		{"HDT long", framed("GPHDT,1,T,1"), ErrFormat},
		{"too many fields", framed("GPGGA" + strings.Repeat(",", 20)), ErrFormat},
		{"half a position", framed("GPGGA,123519,4807.038,,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"), ErrFormat},
		{"minutes over 60", framed("GPGGA,123519,4867.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"), ErrFormat},
		{"latitude over 90", framed("GPGGA,123519,9107.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"), ErrFormat},
		{"bad hemisphere", framed("GPGGA,123519,4807.038,X,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"), ErrFormat},
		{"NaN altitude", framed("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,NaN,M,46.9,M,,"), ErrFormat},
		{"exponent", framed("GPGGA,123519,4807.038,N,01131.000,E,1,08,1e3,545.4,M,46.9,M,,"), ErrFormat},
		{"hour 24", framed("GPGGA,243519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"), ErrFormat},
		{"quality word", framed("GPGGA,123519,4807.038,N,01131.000,E,x,08,0.9,545.4,M,46.9,M,,"), ErrFormat},
		{"status X", framed("GPRMC,123519,X,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"), ErrFormat},
		{"31 February", framed("GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,310294,003.1,W"), ErrFormat},
		{"heading 400", framed("GPHDT,400,T"), ErrFormat},
		{"heading negative", framed("GPHDT,-1,T"), ErrFormat},
		{"unknown type", framed("GPGSV,3,1,11,03,03,111,00"), ErrUnsupported},
		{"proprietary", framed("PSSN,HRP,142611.00,112113,198.4,,-1.3,0.04,,0.04,17,2,1.204,E"), ErrUnsupported},
		{"lower-case address", framed("gpgga,1"), ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.line)
			if !errors.Is(err, tc.want) {
				t.Fatalf("%q: %v, want %v", tc.line, err, tc.want)
			}
			if s.Kind != 0 {
				t.Fatalf("a refused sentence has a kind: %+v", s)
			}
		})
	}
}

// Whatever the Append functions write, Parse reads back.
func TestWriteThenParse(t *testing.T) {
	tod := 8*time.Hour + 15*time.Minute + 30*time.Second + 250*time.Millisecond
	for _, ll := range [][2]float64{{48.1173, 11.51666667}, {-33.999999999, -151.0000001}, {0.0000001, 179.99999999}, {89.99999999, -0.5}} {
		gga := GGA{Time: tod, HasTime: true, Lat: ll[0], Lon: ll[1], HasPosition: true, Quality: hardware.QualityRTKFloat,
			Satellites: 7, HDOP: 0.8, Altitude: 512.125, GeoidSeparation: 47.5, DiffAge: 1.5}
		got := mustParse(t, AppendGGA(nil, "GN", gga)).GGA
		// 7 decimals of minutes: 1.7e-9 degrees, 0.2 mm.
		if !near(got.Lat, gga.Lat, 2e-9) || !near(got.Lon, gga.Lon, 2e-9) || got.Time != tod || got.Quality != gga.Quality ||
			got.Satellites != 7 || got.HDOP != 0.8 || got.Altitude != 512.125 || got.DiffAge != 1.5 {
			t.Fatalf("wrote %+v, read %+v", gga, got)
		}
	}
	rmc := RMC{Time: tod, HasTime: true, Active: true, Lat: 1, Lon: 2, HasPosition: true, Speed: 1.5, Course: 271.25, HasCourse: true,
		Date: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), HasDate: true, Mode: 'F'}
	if got := mustParse(t, AppendRMC(nil, "GP", rmc)).RMC; !near(got.Speed, 1.5, 1e-3) || got.Course != 271.25 || !got.Date.Equal(rmc.Date) || got.Mode != 'F' || !got.Active {
		t.Fatalf("RMC: %+v", got)
	}
	gst := GST{Time: tod, HasTime: true, RMS: 0.5, LatStd: 0.012, LonStd: 0.015, AltStd: 0.03}
	if got := mustParse(t, AppendGST(nil, "GN", gst)).GST; got != gst {
		t.Fatalf("GST: %+v", got)
	}
	if got := mustParse(t, AppendHDT(nil, "GN", HDT{Heading: 359.5, HasHeading: true})).HDT; got.Heading != 359.5 {
		t.Fatalf("HDT: %+v", got)
	}
}

func TestParseAllocatesNothing(t *testing.T) {
	lines := [][]byte{
		framed("GNGGA,081530.25,4807.0380000,N,01131.0000000,E,4,12,0.8,545.400,M,46.900,M,1.0,0000"),
		framed("GNRMC,081530.25,A,4807.0380000,N,01131.0000000,E,0.500,84.40,301126,,,R,V"),
		framed("GNGST,081530.25,0.5,0.02,0.01,10.0,0.015,0.012,0.03"),
		framed("GNHDT,123.4,T"),
		framed("GPGSV,3,1,11,03,03,111,00"),
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, l := range lines {
			_, _ = Parse(l)
		}
	}); n != 0 {
		t.Fatalf("%v allocations per round", n)
	}
}
