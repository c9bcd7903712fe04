package gnss

import (
	"math"
	"strconv"
	"time"
)

// The Append functions write sentences as a receiver sends them, ending in
// "\r\n": the simulated receiver (gnsstest) uses them, and the tests check
// Parse against them. Latitude and longitude keep 7 decimals of minutes
// (0.2 mm), as RTK receivers send.

// AppendSentence frames body as "$body*hh\r\n".
func AppendSentence(buf []byte, body []byte) []byte {
	var sum byte
	for _, c := range body {
		sum ^= c
	}
	buf = append(buf, '$')
	buf = append(buf, body...)
	buf = append(buf, '*', hexDigit(sum>>4), hexDigit(sum&15), '\r', '\n')
	return buf
}

func hexDigit(b byte) byte { return "0123456789ABCDEF"[b] }

// AppendGGA writes a GGA sentence with the talker ("GN", "GP", ...). A
// fix without position writes empty position fields.
func AppendGGA(buf []byte, talker string, g GGA) []byte {
	var body [160]byte
	b := append(body[:0], talker...)
	b = append(b, "GGA,"...)
	b = appendTime(b, g.Time, g.HasTime)
	b = appendPosition(b, g.Lat, g.Lon, g.HasPosition)
	b = strconv.AppendUint(b, uint64(g.Quality), 10)
	b = append(b, ',')
	if g.Satellites < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(g.Satellites), 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, g.HDOP, 'f', 1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, g.Altitude, 'f', 3, 64)
	b = append(b, ",M,"...)
	b = strconv.AppendFloat(b, g.GeoidSeparation, 'f', 3, 64)
	b = append(b, ",M,"...)
	if g.DiffAge > 0 {
		b = strconv.AppendFloat(b, g.DiffAge, 'f', 1, 64)
		b = append(b, ",0000"...)
	} else {
		b = append(b, ',')
	}
	return AppendSentence(buf, b)
}

// AppendRMC writes an RMC sentence (NMEA 4.1: with mode and navigational
// status).
func AppendRMC(buf []byte, talker string, r RMC) []byte {
	var body [160]byte
	b := append(body[:0], talker...)
	b = append(b, "RMC,"...)
	b = appendTime(b, r.Time, r.HasTime)
	if r.Active {
		b = append(b, "A,"...)
	} else {
		b = append(b, "V,"...)
	}
	b = appendPosition(b, r.Lat, r.Lon, r.HasPosition)
	b = strconv.AppendFloat(b, r.Speed*3600/1852, 'f', 3, 64)
	b = append(b, ',')
	if r.HasCourse {
		b = strconv.AppendFloat(b, r.Course, 'f', 2, 64)
	}
	b = append(b, ',')
	if r.HasDate {
		b = append2(b, r.Date.Day())
		b = append2(b, int(r.Date.Month()))
		b = append2(b, r.Date.Year()%100)
	}
	b = append(b, ",,,"...)
	if r.Mode != 0 {
		b = append(b, r.Mode)
	}
	b = append(b, ",V"...)
	return AppendSentence(buf, b)
}

// AppendGST writes a GST sentence.
func AppendGST(buf []byte, talker string, g GST) []byte {
	var body [160]byte
	b := append(body[:0], talker...)
	b = append(b, "GST,"...)
	b = appendTime(b, g.Time, g.HasTime)
	for i, v := range [...]float64{g.RMS, g.Major, g.Minor, g.Orient, g.LatStd, g.LonStd, g.AltStd} {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, v, 'f', 3, 64)
	}
	return AppendSentence(buf, b)
}

// AppendHDT writes an HDT sentence.
func AppendHDT(buf []byte, talker string, h HDT) []byte {
	var body [32]byte
	b := append(body[:0], talker...)
	b = append(b, "HDT,"...)
	if h.HasHeading {
		b = strconv.AppendFloat(b, h.Heading, 'f', 3, 64)
	}
	b = append(b, ",T"...)
	return AppendSentence(buf, b)
}

func appendTime(b []byte, d time.Duration, ok bool) []byte {
	if ok {
		d = d.Round(10 * time.Millisecond)
		b = append2(b, int(d/time.Hour)%24)
		b = append2(b, int(d/time.Minute)%60)
		b = append2(b, int(d/time.Second)%60)
		b = append(b, '.')
		b = append2(b, int(d/(10*time.Millisecond))%100)
	}
	return append(b, ',')
}

func appendPosition(b []byte, lat, lon float64, ok bool) []byte {
	if !ok {
		return append(b, ",,,,"...)
	}
	b = appendDegMin(b, math.Abs(lat), 2)
	b = append(b, ',', hemisphere(lat, 'N', 'S'), ',')
	b = appendDegMin(b, math.Abs(lon), 3)
	return append(b, ',', hemisphere(lon, 'E', 'W'), ',')
}

func hemisphere(v float64, pos, neg byte) byte {
	if v < 0 {
		return neg
	}
	return pos
}

// appendDegMin writes (d)ddmm.mmmmmmm, carrying minutes that round to 60.
func appendDegMin(b []byte, v float64, degDigits int) []byte {
	deg := math.Floor(v)
	const scale = 1e7
	minutes := math.Round((v - deg) * 60 * scale)
	if minutes >= 60*scale {
		deg++
		minutes -= 60 * scale
	}
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], int64(deg), 10)
	for range degDigits - len(d) {
		b = append(b, '0')
	}
	b = append(b, d...)
	whole := int64(minutes) / scale
	b = append2(b, int(whole))
	b = append(b, '.')
	frac := strconv.AppendInt(tmp[:0], int64(minutes)%scale, 10)
	for range 7 - len(frac) {
		b = append(b, '0')
	}
	return append(b, frac...)
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10%10), byte('0'+v%10)) }
