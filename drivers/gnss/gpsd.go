package gnss

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap"
)

// maxGPSDLine bounds one gpsd report. gpsd's own limit for a JSON report
// is about 10 KB (a SKY with every satellite in view).
const maxGPSDLine = 16 << 10

// gpsdWatch asks gpsd to stream JSON reports of every device.
const gpsdWatch = "?WATCH={\"enable\":true,\"json\":true}\n"

// gpsdSession connects to gpsd, asks for reports, and reads them until the
// connection fails, gpsd stays silent for GPSDSilent, or Stop closes it.
func (d *Driver) gpsdSession(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, d.cfg.GPSDSilent)
	conn, err := d.cfg.Dial(dctx, d.cfg.GPSD)
	cancel()
	if err != nil {
		return fmt.Errorf("gnss: connect to gpsd at %s: %w", d.cfg.GPSD, err)
	}
	d.run.SetConn(conn)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	_ = conn.SetWriteDeadline(time.Now().Add(d.cfg.GPSDSilent))
	if _, err := conn.Write([]byte(gpsdWatch)); err != nil {
		return fmt.Errorf("gnss: gpsd at %s: send WATCH: %w", d.cfg.GPSD, err)
	}
	d.connected()
	d.log.Info("connected to gpsd")
	a := d.newAssembler()
	lr := newLineReader(conn, maxGPSDLine)
	var seen uint64
	for {
		_ = conn.SetReadDeadline(time.Now().Add(d.cfg.GPSDSilent))
		line, err := lr.readLine()
		d.overlong.Add(lr.overlong - seen)
		seen = lr.overlong
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("gnss: gpsd at %s sent nothing for %s", d.cfg.GPSD, d.cfg.GPSDSilent)
		}
		if err != nil {
			return fmt.Errorf("gnss: gpsd at %s: %w", d.cfg.GPSD, err)
		}
		r, err := decodeGPSD(line)
		switch {
		case errors.Is(err, ErrUnsupported):
			d.ignored.Add(1)
		case err != nil:
			d.bad.Add(1)
			d.log.Debug("dropped gpsd report", zap.ByteString("line", line), zap.Error(err))
		default:
			d.good.Add(1)
			r.apply(a, d.cfg.Now())
		}
	}
}

// gpsdReport holds the fields read from the classes TPV, SKY, GST and ATT.
// The same JSON name means different things per class (GST's "lat" is a
// standard deviation in metres), so apply interprets them by class.
type gpsdReport struct {
	Class      string   `json:"class"`
	Time       string   `json:"time"`
	Mode       int      `json:"mode"`
	Status     int      `json:"status"`
	Lat        *float64 `json:"lat"`
	Lon        *float64 `json:"lon"`
	Alt        *float64 `json:"alt"`
	AltMSL     *float64 `json:"altMSL"`
	Track      *float64 `json:"track"`
	Speed      *float64 `json:"speed"`
	Heading    *float64 `json:"heading"`
	HDOP       *float64 `json:"hdop"`
	USat       *int     `json:"uSat"`
	Satellites []struct {
		Used bool `json:"used"`
	} `json:"satellites"`
}

// decodeGPSD reads one report. Classes other than TPV, SKY, GST and ATT
// (VERSION, DEVICES, WATCH, ...) are ErrUnsupported.
func decodeGPSD(line []byte) (gpsdReport, error) {
	var r gpsdReport
	if len(line) == 0 || line[0] != '{' {
		return r, fmt.Errorf("%w: gpsd report is not a JSON object", ErrFormat)
	}
	err := json.Unmarshal(line, &r)
	if err != nil {
		// gpsd 3.22 (Debian 11 and 12) writes ATT with a doubled and a
		// missing comma around "time". Its heading is still readable.
		if bytes.Contains(line, []byte(`"class":"ATT"`)) {
			if h, ok := scanNumber(line, `"heading":`); ok {
				return gpsdReport{Class: "ATT", Heading: &h}, nil
			}
		}
		return r, fmt.Errorf("%w: gpsd report: %v", ErrFormat, err)
	}
	switch r.Class {
	case "TPV", "SKY", "GST", "ATT":
		return r, nil
	case "":
		return r, fmt.Errorf("%w: gpsd report without class", ErrFormat)
	}
	return r, ErrUnsupported
}

// scanNumber finds key in b and reads the JSON number after it.
func scanNumber(b []byte, key string) (float64, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(key):]
	end := 0
	for end < len(b) && bytes.IndexByte([]byte("+-.0123456789eE"), b[end]) >= 0 {
		end++
	}
	v, err := strconv.ParseFloat(string(b[:end]), 64)
	return v, err == nil
}

// apply feeds the report into the assembler.
func (r *gpsdReport) apply(a *assembler, recv time.Time) {
	var at time.Time
	if r.Time != "" {
		at, _ = time.Parse(time.RFC3339Nano, r.Time)
	}
	switch r.Class {
	case "TPV":
		u := fixUpdate{fixTime: at, satellites: -1, quality: gpsdQuality(r.Mode, r.Status)}
		if r.Lat != nil && r.Lon != nil && r.Mode >= 2 && validLatLon(*r.Lat, *r.Lon) {
			u.lat, u.lon, u.hasPosition = *r.Lat, *r.Lon, true
		}
		switch {
		case r.AltMSL != nil:
			u.altitude = *r.AltMSL
		case r.Alt != nil:
			u.altitude = *r.Alt
		}
		a.position(u, recv)
		if r.Track != nil && r.Speed != nil && u.hasPosition && *r.Track >= 0 && *r.Track < 360 {
			a.courseOverGround(*r.Track, *r.Speed, recv)
		}
	case "GST":
		if r.Lat != nil && r.Lon != nil && !at.IsZero() {
			alt := 0.0
			if r.Alt != nil {
				alt = *r.Alt
			}
			a.stdDev(*r.Lat, *r.Lon, alt, at, recv)
		}
	case "ATT":
		if r.Heading != nil && *r.Heading >= 0 && *r.Heading <= 360 {
			a.heading(mod360(*r.Heading), recv)
		}
	case "SKY":
		// A SKY may carry only some of these; keep what it leaves out.
		used, hdop := a.satellites, a.hdop
		switch {
		case r.USat != nil:
			used = *r.USat
		case len(r.Satellites) > 0:
			used = 0
			for _, s := range r.Satellites {
				if s.Used {
					used++
				}
			}
		}
		if r.HDOP != nil {
			hdop = *r.HDOP
		}
		a.sky(used, hdop, recv)
	}
}

// gpsdQuality maps gpsd's TPV mode (fix dimension) and status to the GGA
// quality: status 2 DGPS, 3 RTK fixed, 4 RTK float, 5/6 dead reckoning, 7
// surveyed time fix, 8 simulated, 9 P(Y).
func gpsdQuality(mode, status int) hardware.GNSSQuality {
	if mode < 2 {
		return hardware.QualityNone
	}
	switch status {
	case 2:
		return hardware.QualityDGPS
	case 3:
		return hardware.QualityRTKFixed
	case 4:
		return hardware.QualityRTKFloat
	case 5, 6:
		return hardware.QualityDeadReckoning
	case 7:
		return hardware.QualityManual
	case 8:
		return hardware.QualitySimulation
	case 9:
		return hardware.QualityPPS
	}
	return hardware.QualityGPS
}

func validLatLon(lat, lon float64) bool { return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 }

func mod360(h float64) float64 {
	if h >= 360 {
		return h - 360
	}
	return h
}
