package gnss

import (
	"errors"
	"fmt"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// MaxSentenceLength bounds a sentence. NMEA 0183 allows 82 characters;
// receivers in high-precision mode send a few more (GGA with 8 decimals
// is about 100). Anything longer is not a sentence we read.
const MaxSentenceLength = 256

// maxFields bounds the comma-separated fields kept for one sentence; RMC,
// the longest we read, has 13.
const maxFields = 16

// Errors that callers branch on. Parse wraps them with the details.
var (
	ErrTooLong = errors.New("nmea: sentence too long")
	// ErrFormat: not a well-formed sentence (no "$", no "*hh", bad
	// characters, a wrong field count, a number that is not one).
	ErrFormat = errors.New("nmea: malformed sentence")
	// ErrChecksum: well formed, but the checksum does not match: the
	// line was damaged on the wire.
	ErrChecksum = errors.New("nmea: bad checksum")
	// ErrUnsupported: a valid sentence of a type this package does not
	// read (GSV, VTG, proprietary ones); receivers send many, and they
	// are ignored, not counted as bad.
	ErrUnsupported = errors.New("nmea: unsupported sentence")
)

// Kind is the sentence type.
type Kind uint8

// The sentences Parse reads.
const (
	KindGGA Kind = iota + 1 // fix: time, position, quality, satellites, HDOP, altitude
	KindRMC                 // recommended minimum: time, date, position, speed, course
	KindGST                 // position error statistics: standard deviations
	KindHDT                 // true heading (dual-antenna receivers)
)

func (k Kind) String() string {
	switch k {
	case KindGGA:
		return "GGA"
	case KindRMC:
		return "RMC"
	case KindGST:
		return "GST"
	case KindHDT:
		return "HDT"
	}
	return "unknown"
}

// Sentence is one parsed sentence: Kind says which of the parts is set.
type Sentence struct {
	Talker [2]byte // GP (GPS), GN (multi-constellation), GL, GA, GB, ...
	Kind   Kind
	GGA    GGA
	RMC    RMC
	GST    GST
	HDT    HDT
}

// GGA is a fix. Empty position fields mean no fix (HasPosition false),
// whatever the quality says.
type GGA struct {
	Time            time.Duration // UTC time of day
	HasTime         bool
	Lat, Lon        float64 // degrees, south and west negative
	HasPosition     bool
	Quality         hardware.GNSSQuality
	Satellites      int
	HDOP            float64
	Altitude        float64 // metres above mean sea level
	GeoidSeparation float64 // metres, ellipsoid above geoid
	DiffAge         float64 // seconds since the last differential correction
}

// RMC is the recommended minimum sentence.
type RMC struct {
	Time        time.Duration // UTC time of day
	HasTime     bool
	Active      bool // status A (valid); V is void
	Lat, Lon    float64
	HasPosition bool
	Speed       float64 // metres per second (sent in knots)
	Course      float64 // degrees clockwise from true north
	HasCourse   bool
	Date        time.Time // UTC midnight of the fix's day
	HasDate     bool
	Mode        byte // NMEA 2.3 mode: A, D, R (RTK fixed), F (float), E, N, ...; 0 if absent
}

// GST is the receiver's estimate of its position error; all in metres
// except Orient (degrees). Empty fields are 0.
type GST struct {
	Time                   time.Duration
	HasTime                bool
	RMS                    float64
	Major, Minor, Orient   float64
	LatStd, LonStd, AltStd float64
}

// HDT is the true heading in degrees [0, 360); empty means no heading.
type HDT struct {
	Heading    float64
	HasHeading bool
}

// Parse reads one sentence ("$GNGGA,...*hh", with or without its line
// ending). It checks the length, the characters, the checksum and the field
// count before it reads any value, and allocates nothing for a good
// sentence.
func Parse(line []byte) (Sentence, error) {
	var s Sentence
	for n := len(line); n > 0 && (line[n-1] == '\n' || line[n-1] == '\r'); n = len(line) {
		line = line[:n-1]
	}
	if len(line) > MaxSentenceLength {
		return s, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(line), MaxSentenceLength)
	}
	body, err := checkFrame(line)
	if err != nil {
		return s, err
	}
	var f [maxFields][]byte
	n := 0
	start := 0
	for i := 0; i <= len(body); i++ {
		if i == len(body) || body[i] == ',' {
			if n == maxFields {
				return s, fmt.Errorf("%w: more than %d fields", ErrFormat, maxFields)
			}
			f[n] = body[start:i]
			n++
			start = i + 1
		}
	}
	addr := f[0]
	if len(addr) != 5 || addr[0] == 'P' || !upper(addr) {
		return s, ErrUnsupported // common (GSV, VTG, proprietary): no allocation
	}
	s.Talker = [2]byte{addr[0], addr[1]}
	fields := f[1:n]
	switch string(addr[2:]) {
	case "GGA":
		s.Kind = KindGGA
		err = parseGGA(fields, &s.GGA)
	case "RMC":
		s.Kind = KindRMC
		err = parseRMC(fields, &s.RMC)
	case "GST":
		s.Kind = KindGST
		err = parseGST(fields, &s.GST)
	case "HDT":
		s.Kind = KindHDT
		err = parseHDT(fields, &s.HDT)
	default:
		return Sentence{}, ErrUnsupported
	}
	if err != nil {
		return Sentence{}, fmt.Errorf("%s: %w", s.Kind, err)
	}
	return s, nil
}

// checkFrame checks "$" body "*hh" and returns the body.
func checkFrame(line []byte) ([]byte, error) {
	n := len(line)
	if n < 4 || line[0] != '$' {
		return nil, fmt.Errorf("%w: does not start with $", ErrFormat)
	}
	if line[n-3] != '*' {
		return nil, fmt.Errorf("%w: no *hh checksum at the end", ErrFormat)
	}
	hi, ok1 := unhex(line[n-2])
	lo, ok2 := unhex(line[n-1])
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%w: checksum %q is not two hex digits", ErrFormat, line[n-2:])
	}
	body := line[1 : n-3]
	var sum byte
	for _, c := range body {
		// Printable ASCII only; "$", "*" and "!" delimit sentences.
		if c < 0x20 || c > 0x7e || c == '$' || c == '*' || c == '!' {
			return nil, fmt.Errorf("%w: character 0x%02x in the sentence", ErrFormat, c)
		}
		sum ^= c
	}
	if want := hi<<4 | lo; sum != want {
		return nil, fmt.Errorf("%w: computed %02X, sentence says %02X", ErrChecksum, sum, want)
	}
	return body, nil
}

func parseGGA(f [][]byte, g *GGA) error {
	if len(f) != 14 {
		return fieldCount(len(f), "14")
	}
	var err error
	if g.Time, g.HasTime, err = parseTime(f[0]); err != nil {
		return err
	}
	if g.Lat, g.Lon, g.HasPosition, err = parsePosition(f[1:5]); err != nil {
		return err
	}
	q, _, err := parseUint(f[5], "quality", 99)
	if err != nil {
		return err
	}
	g.Quality = hardware.GNSSQuality(q)
	if g.Satellites, _, err = parseUint(f[6], "satellites", 999); err != nil {
		return err
	}
	if g.HDOP, _, err = parseNumber(f[7], "hdop"); err != nil {
		return err
	}
	if g.Altitude, _, err = parseNumber(f[8], "altitude"); err != nil {
		return err
	}
	if g.GeoidSeparation, _, err = parseNumber(f[10], "geoid separation"); err != nil {
		return err
	}
	if g.DiffAge, _, err = parseNumber(f[12], "age of corrections"); err != nil {
		return err
	}
	return nil
}

func parseRMC(f [][]byte, r *RMC) error {
	if len(f) < 11 || len(f) > 13 {
		return fieldCount(len(f), "11 to 13")
	}
	var err error
	if r.Time, r.HasTime, err = parseTime(f[0]); err != nil {
		return err
	}
	switch string(f[1]) {
	case "A":
		r.Active = true
	case "V", "":
	default:
		return fmt.Errorf("%w: status %q is not A or V", ErrFormat, f[1])
	}
	if r.Lat, r.Lon, r.HasPosition, err = parsePosition(f[2:6]); err != nil {
		return err
	}
	knots, _, err := parseNumber(f[6], "speed")
	if err != nil {
		return err
	}
	r.Speed = knots * 1852.0 / 3600
	if r.Course, r.HasCourse, err = parseAngle(f[7], "course"); err != nil {
		return err
	}
	if r.Date, r.HasDate, err = parseDate(f[8]); err != nil {
		return err
	}
	if len(f) >= 12 && len(f[11]) > 0 {
		if len(f[11]) != 1 {
			return fmt.Errorf("%w: mode %q", ErrFormat, f[11])
		}
		r.Mode = f[11][0]
	}
	return nil
}

func parseGST(f [][]byte, g *GST) error {
	if len(f) != 8 {
		return fieldCount(len(f), "8")
	}
	var err error
	if g.Time, g.HasTime, err = parseTime(f[0]); err != nil {
		return err
	}
	for i, dst := range [...]*float64{&g.RMS, &g.Major, &g.Minor, &g.Orient, &g.LatStd, &g.LonStd, &g.AltStd} {
		if *dst, _, err = parseNumber(f[i+1], "error statistic"); err != nil {
			return err
		}
	}
	return nil
}

func parseHDT(f [][]byte, h *HDT) error {
	if len(f) != 2 {
		return fieldCount(len(f), "2")
	}
	if len(f[1]) > 0 && string(f[1]) != "T" {
		return fmt.Errorf("%w: HDT indicator %q is not T", ErrFormat, f[1])
	}
	var err error
	h.Heading, h.HasHeading, err = parseAngle(f[0], "heading")
	return err
}

func fieldCount(n int, want string) error {
	return fmt.Errorf("%w: %d fields, want %s", ErrFormat, n, want)
}

func upper(b []byte) bool {
	for _, c := range b {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
