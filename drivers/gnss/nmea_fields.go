package gnss

import (
	"fmt"
	"strconv"
	"time"
)

// parseNumber reads a plain decimal ("-12.5"); empty is (0, false). Only
// digits, one point and a leading sign pass: strconv alone would accept
// "Inf", "NaN", exponents and hex floats, none of which a receiver sends.
func parseNumber(b []byte, what string) (float64, bool, error) {
	if len(b) == 0 {
		return 0, false, nil
	}
	if !decimal(b) {
		return 0, false, fmt.Errorf("%w: %s %q is not a number", ErrFormat, what, b)
	}
	// The conversion does not allocate: the string does not escape.
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, false, fmt.Errorf("%w: %s %q is not a number", ErrFormat, what, b)
	}
	return v, true, nil
}

func decimal(b []byte) bool {
	i := 0
	if b[0] == '-' || b[0] == '+' {
		i++
	}
	digits, points := 0, 0
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		default:
			return false
		}
	}
	return digits > 0 && points <= 1
}

// parseUint reads a small non-negative integer up to limit.
func parseUint(b []byte, what string, limit int) (int, bool, error) {
	if len(b) == 0 {
		return 0, false, nil
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false, fmt.Errorf("%w: %s %q is not a whole number", ErrFormat, what, b)
		}
		v = v*10 + int(c-'0')
		if v > limit {
			return 0, false, fmt.Errorf("%w: %s %q is above %d", ErrFormat, what, b, limit)
		}
	}
	return v, true, nil
}

// parseAngle reads degrees in [0, 360]; 360 is 0.
func parseAngle(b []byte, what string) (float64, bool, error) {
	v, ok, err := parseNumber(b, what)
	if err != nil || !ok {
		return 0, false, err
	}
	if v < 0 || v > 360 {
		return 0, false, fmt.Errorf("%w: %s %q is not in [0, 360]", ErrFormat, what, b)
	}
	if v == 360 {
		v = 0
	}
	return v, true, nil
}

// parseTime reads hhmmss[.sss] as the time since midnight.
func parseTime(b []byte) (time.Duration, bool, error) {
	if len(b) == 0 {
		return 0, false, nil
	}
	bad := func() (time.Duration, bool, error) {
		return 0, false, fmt.Errorf("%w: time %q is not hhmmss.ss", ErrFormat, b)
	}
	if len(b) < 6 || (len(b) > 6 && (b[6] != '.' || len(b) > 16)) {
		return bad()
	}
	h, ok1 := twoDigits(b[0:2])
	m, ok2 := twoDigits(b[2:4])
	s, ok3 := twoDigits(b[4:6])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || s > 60 {
		return bad()
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
	scale := time.Second
	for _, c := range b[min(len(b), 7):] {
		if c < '0' || c > '9' {
			return bad()
		}
		scale /= 10
		d += time.Duration(c-'0') * scale
	}
	return d, true, nil
}

// parseDate reads ddmmyy, resolving the two-digit year as gpsd (3.22)
// does, so both agree on every date a receiver sends (see gnssDate).
func parseDate(b []byte) (time.Time, bool, error) {
	if len(b) == 0 {
		return time.Time{}, false, nil
	}
	d, ok1 := twoDigits(b[0:min(2, len(b))])
	m, ok2 := twoDigits(b[min(2, len(b)):min(4, len(b))])
	y, ok3 := twoDigits(b[min(4, len(b)):])
	if len(b) != 6 || !ok1 || !ok2 || !ok3 || d < 1 || m < 1 || m > 12 {
		return time.Time{}, false, fmt.Errorf("%w: date %q is not ddmmyy", ErrFormat, b)
	}
	t := time.Date(gpsdYear(y), time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false, fmt.Errorf("%w: date %q does not exist", ErrFormat, b)
	}
	return gpsdWeekRollover(t), true, nil
}

// gpsdYear is gpsd's merge_ddmmyy: the century of the clock (2000 until
// 2100) plus yy, a hundred years earlier from 2080 on (so 80-99 are
// 1980-1999, the years GPS existed in the last century).
func gpsdYear(yy int) int {
	year := 2000 + yy
	if year >= 2080 {
		year -= 100
	}
	return year
}

// weekRollover is 1024 GPS weeks, the span of the 10-bit week counter.
const weekRollover = 1024 * 7 * 24 * time.Hour

// leapSecond18 is 2017-01-01T00:00:00Z, when the 18th leap second took
// effect.
var leapSecond18 = time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)

// gpsdWeekRollover is gpsd's gpsd_utc_resolve: a receiver that knows 18
// leap seconds (gpsd assumes so, built after 2017) yet reports a date
// before they took effect counts its weeks from the last rollover, so the
// date is moved 1024 weeks on. 230394 (1994-03-23) is thus 2013-11-06,
// 010100 is 2019-08-17. A receiver that really lives in 1994 is gone.
func gpsdWeekRollover(t time.Time) time.Time {
	if t.Before(leapSecond18) {
		return t.Add(weekRollover)
	}
	return t
}

func twoDigits(b []byte) (int, bool) {
	if len(b) != 2 || b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

// parsePosition reads lat, N|S, lon, E|W. All four empty is no position;
// some but not all empty is malformed.
func parsePosition(f [][]byte) (lat, lon float64, ok bool, err error) {
	empty := 0
	for _, x := range f {
		if len(x) == 0 {
			empty++
		}
	}
	switch empty {
	case 4:
		return 0, 0, false, nil
	case 0:
	default:
		return 0, 0, false, fmt.Errorf("%w: position has empty fields", ErrFormat)
	}
	if lat, err = parseDegMin(f[0], 2, 90, "latitude"); err != nil {
		return 0, 0, false, err
	}
	if lon, err = parseDegMin(f[2], 3, 180, "longitude"); err != nil {
		return 0, 0, false, err
	}
	switch string(f[1]) {
	case "N":
	case "S":
		lat = -lat
	default:
		return 0, 0, false, fmt.Errorf("%w: latitude hemisphere %q is not N or S", ErrFormat, f[1])
	}
	switch string(f[3]) {
	case "E":
	case "W":
		lon = -lon
	default:
		return 0, 0, false, fmt.Errorf("%w: longitude hemisphere %q is not E or W", ErrFormat, f[3])
	}
	return lat, lon, true, nil
}

// parseDegMin reads NMEA's (d)ddmm.mmmm: degDigits of whole degrees, then
// minutes.
func parseDegMin(b []byte, degDigits int, limit float64, what string) (float64, error) {
	if len(b) < degDigits+2 || b[0] == '-' || b[0] == '+' {
		return 0, fmt.Errorf("%w: %s %q is not (d)ddmm.mmmm", ErrFormat, what, b)
	}
	deg, _, err := parseUint(b[:degDigits], what, int(limit))
	if err != nil {
		return 0, err
	}
	minutes, _, err := parseNumber(b[degDigits:], what)
	if err != nil {
		return 0, err
	}
	if b[degDigits] == '+' || b[degDigits] == '-' || minutes >= 60 {
		return 0, fmt.Errorf("%w: %s %q has minutes out of range", ErrFormat, what, b)
	}
	v := float64(deg) + minutes/60
	if v > limit {
		return 0, fmt.Errorf("%w: %s %q is beyond %v°", ErrFormat, what, b, limit)
	}
	return v, nil
}
