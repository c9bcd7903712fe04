package hardware

import (
	"errors"
	"fmt"
	"math"
)

// WGS84 ellipsoid.
const (
	wgs84A  = 6378137.0
	wgs84F  = 1 / 298.257223563
	wgs84E2 = wgs84F * (2 - wgs84F)
)

// GeoReference maps latitude and longitude to the local frame and back.
//
// The frame is RoSys's (x north, y west, z up, yaw counter-clockwise from
// north) with its origin at the reference point. The projection is the
// exact local tangent plane of the WGS84 ellipsoid at the reference (the
// east-north plane of ENU through ECEF, with x = north, y = -east), taken
// at zero height, so the altitude never moves x and y. Accuracy: the plane
// shortens a ground distance d by about d³/(6R²): 4 µm at 1 km, 4 mm at
// 10 km. (RoSys projects on a sphere of 6371 km instead, which is off by
// up to 0.6 % depending on latitude and direction.)
//
// North at a point east or west of the reference is not exactly the local
// x axis (meridians converge towards the poles): headings are converted
// with the convergence at the point, about (lon-lon0)·sin(lat) — 0.01° per
// kilometre east at 50° latitude.
type GeoReference struct {
	Lat, Lon float64 // degrees

	sinLat, cosLat, sinLon, cosLon float64
	x0, y0, z0                     float64 // ECEF of the reference, metres
}

// ErrBadReference is returned for a reference point off the globe.
var ErrBadReference = errors.New("geo reference: latitude must be in [-89, 89] and longitude in [-180, 180]")

// NewGeoReference returns the frame at lat, lon (degrees). Points within
// one degree of a pole are refused: longitude degenerates there.
func NewGeoReference(lat, lon float64) (GeoReference, error) {
	if !(lat >= -89 && lat <= 89 && lon >= -180 && lon <= 180) {
		return GeoReference{}, fmt.Errorf("%w (got %v, %v)", ErrBadReference, lat, lon)
	}
	r := GeoReference{Lat: lat, Lon: lon}
	r.sinLat, r.cosLat = math.Sincos(rad(lat))
	r.sinLon, r.cosLon = math.Sincos(rad(lon))
	r.x0, r.y0, r.z0 = ecef(lat, lon)
	return r, nil
}

// Valid reports whether r was made by NewGeoReference.
func (r GeoReference) Valid() bool { return r.x0 != 0 || r.y0 != 0 || r.z0 != 0 }

// ToLocal maps lat, lon (degrees) to x (north) and y (west) in metres.
func (r GeoReference) ToLocal(lat, lon float64) (x, y float64) {
	px, py, pz := ecef(lat, lon)
	dx, dy, dz := px-r.x0, py-r.y0, pz-r.z0
	east := -r.sinLon*dx + r.cosLon*dy
	north := -r.sinLat*r.cosLon*dx - r.sinLat*r.sinLon*dy + r.cosLat*dz
	return north, -east
}

// ToGeo maps local x, y (metres) back to lat, lon (degrees): the point on
// the ellipsoid that ToLocal maps to x, y. It converges to well under a
// micrometre within 50 km of the reference.
func (r GeoReference) ToGeo(x, y float64) (lat, lon float64) {
	lat, lon = r.Lat, r.Lon
	for range 6 {
		cx, cy := r.ToLocal(lat, lon)
		m, n := radii(lat)
		lat += deg((x - cx) / m)
		lon -= deg((y - cy) / (n * math.Cos(rad(lat))))
	}
	// Across the antimeridian, back into [-180, 180].
	if lon > 180 {
		lon -= 360
	} else if lon < -180 {
		lon += 360
	}
	return lat, lon
}

// Convergence is the angle (radians, counter-clockwise) from the local x
// axis to true north at lat, lon.
func (r GeoReference) Convergence(lat, lon float64) float64 {
	// One metre north of the point, both mapped into the frame.
	m, _ := radii(lat)
	x1, y1 := r.ToLocal(lat, lon)
	x2, y2 := r.ToLocal(lat+deg(1/m), lon)
	return math.Atan2(y2-y1, x2-x1)
}

// YawFromHeading turns a compass heading (degrees clockwise from true
// north) at lat, lon into a yaw in the local frame ((-pi, pi]).
func (r GeoReference) YawFromHeading(lat, lon, heading float64) float64 {
	return WrapAngle(r.Convergence(lat, lon) - rad(heading))
}

// HeadingFromYaw is the inverse of YawFromHeading: degrees in [0, 360).
func (r GeoReference) HeadingFromYaw(lat, lon, yaw float64) float64 {
	h := math.Mod(deg(r.Convergence(lat, lon)-yaw), 360)
	if h < 0 {
		h += 360
	}
	return h
}

// ecef is the earth-centred earth-fixed position of a point on the
// ellipsoid (height 0).
func ecef(lat, lon float64) (x, y, z float64) {
	sinLat, cosLat := math.Sincos(rad(lat))
	sinLon, cosLon := math.Sincos(rad(lon))
	n := wgs84A / math.Sqrt(1-wgs84E2*sinLat*sinLat)
	return n * cosLat * cosLon, n * cosLat * sinLon, n * (1 - wgs84E2) * sinLat
}

// radii are the meridian (north-south) and prime-vertical (east-west)
// radii of curvature at lat.
func radii(lat float64) (m, n float64) {
	s := math.Sin(rad(lat))
	w := 1 - wgs84E2*s*s
	n = wgs84A / math.Sqrt(w)
	return n * (1 - wgs84E2) / w, n
}

func rad(d float64) float64 { return d * math.Pi / 180 }
func deg(r float64) float64 { return r * 180 / math.Pi }
