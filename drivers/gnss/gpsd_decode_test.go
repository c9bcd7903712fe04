package gnss

import (
	"errors"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// Reports as gpsd 3.22 writes them (captured from the real daemon fed by
// gnsstest), including its malformed ATT.
var gpsdLines = map[string]string{
	"TPV": `{"class":"TPV","device":"/dev/pts/0","status":3,"mode":3,"time":"2026-11-30T19:19:13.000Z","ept":0.005,"lat":48.117300000,"lon":11.516666667,"altHAE":592.3000,"altMSL":545.4000,"alt":545.4000,"track":84.4000,"magtrack":87.7264,"magvar":3.3,"speed":0.457,"climb":0.000,"geoidSep":46.900,"eph":17.100,"dgpsAge":1.0,"dgpsSta":0}`,
	"GST": `{"class":"GST","device":"/dev/pts/0","time":"2026-11-30T19:19:13.000Z","rms":0.500,"major":0.020,"minor":0.010,"orient":10.000,"lat":0.015,"lon":0.012,"alt":0.030}`,
	"ATT": `{"class":"ATT","device":"/dev/pts/0",,"time":"2026-11-30T19:19:13.000Z""heading":123.400,"dip":0.012,"acc_len":0.500}`,
	"SKY": `{"class":"SKY","device":"/dev/pts/0","hdop":0.70,"satellites":[{"PRN":1,"used":true},{"PRN":2,"used":false},{"PRN":3,"used":true}]}`,
}

func TestDecodeGPSDReports(t *testing.T) {
	var got []hardware.GNSS
	a := &assembler{staleAfter: 2 * time.Second, publish: func(g hardware.GNSS) { got = append(got, g) }}
	recv := time.Date(2026, 11, 30, 19, 19, 13, 100e6, time.UTC)
	for _, class := range []string{"SKY", "TPV", "GST", "ATT"} {
		r, err := decodeGPSD([]byte(gpsdLines[class]))
		if err != nil || r.Class != class {
			t.Fatalf("%s: %v %+v", class, err, r)
		}
		r.apply(a, recv)
	}
	g := got[len(got)-1]
	if g.Quality != hardware.QualityRTKFixed || g.Latitude != 48.1173 || g.Longitude != 11.516666667 || g.Altitude != 545.4 ||
		g.Satellites != 2 || g.HDOP != 0.7 || g.LatStdDev != 0.015 || g.LonStdDev != 0.012 || g.AltStdDev != 0.03 ||
		!g.HasHeading || g.Heading != 123.4 || g.HeadingSource != hardware.HeadingTrue ||
		!g.FixTime.Equal(time.Date(2026, 11, 30, 19, 19, 13, 0, time.UTC)) || !g.Received.Equal(recv) || !g.HasLocal {
		t.Fatalf("%+v", g)
	}
	// Before the ATT, the course over ground stood in (0.457 m/s > 0.3).
	if c := got[len(got)-3]; c.HeadingSource != hardware.HeadingCourse || c.Heading != 84.4 {
		t.Fatalf("course fallback: %+v", c)
	}
}

func TestDecodeGPSDErrors(t *testing.T) {
	for line, want := range map[string]error{
		`{"class":"VERSION","release":"3.22"}`: ErrUnsupported,
		`{"class":"DEVICES","devices":[]}`:     ErrUnsupported,
		`{"mode":3}`:                           ErrFormat,
		`{"class":"TPV","lat":"north"}`:        ErrFormat,
		`{"class":"TPV"`:                       ErrFormat,
		`not json`:                             ErrFormat,
		``:                                     ErrFormat,
		`{"class":"ATT",,"heading":"x"}`:       ErrFormat,
		`{"class":"ATT","heading":12.5,"x":[1,2,3],,}`: nil, // 3.22's damage: heading still read
	} {
		if _, err := decodeGPSD([]byte(line)); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", line, err, want)
		}
	}
	// A TPV without a fix (mode 1) is no position, whatever it holds.
	var got hardware.GNSS
	a := &assembler{staleAfter: time.Second, publish: func(g hardware.GNSS) { got = g }}
	r, err := decodeGPSD([]byte(`{"class":"TPV","mode":1,"lat":1,"lon":2}`))
	if err != nil {
		t.Fatal(err)
	}
	r.apply(a, time.Now())
	if got.HasFix() || got.Quality != hardware.QualityNone {
		t.Fatalf("%+v", got)
	}
}
