package hardware_test

import (
	"errors"
	"math"
	"testing"

	"github.com/gorosys/rosys/hardware"
)

func mustRef(t *testing.T, lat, lon float64) hardware.GeoReference {
	t.Helper()
	r, err := hardware.NewGeoReference(lat, lon)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The axes are RoSys's: north is +x, west is +y.
func TestLocalFrameAxes(t *testing.T) {
	r := mustRef(t, 48.1173, 11.5167)
	if x, y := r.ToLocal(48.1173, 11.5167); x != 0 || y != 0 {
		t.Fatalf("reference maps to %v, %v", x, y)
	}
	if x, y := r.ToLocal(48.1183, 11.5167); !(x > 100 && math.Abs(y) < 1e-6) {
		t.Fatalf("north: %v, %v", x, y)
	}
	if x, y := r.ToLocal(48.1173, 11.5177); !(y < -70 && math.Abs(x) < 0.01) {
		t.Fatalf("east: %v, %v", x, y)
	}
}

// Scales against the WGS84 radii of curvature: meridian radius a(1-e²) at
// the equator, a along the equator.
func TestLocalFrameScale(t *testing.T) {
	r := mustRef(t, 0, 0)
	const d = 0.001 // degrees
	x, _ := r.ToLocal(d, 0)
	if want := 6335439.327 * d * math.Pi / 180; math.Abs(x-want) > 1e-5 {
		t.Fatalf("0.001° north at the equator: %.6f m, want %.6f", x, want)
	}
	_, y := r.ToLocal(0, d)
	if want := -6378137.0 * d * math.Pi / 180; math.Abs(y-want) > 1e-5 {
		t.Fatalf("0.001° east at the equator: %.6f m, want %.6f", y, want)
	}
}

func ecefOf(lat, lon float64) [3]float64 {
	const a, f = 6378137.0, 1 / 298.257223563
	e2 := f * (2 - f)
	p, l := lat*math.Pi/180, lon*math.Pi/180
	n := a / math.Sqrt(1-e2*math.Sin(p)*math.Sin(p))
	return [3]float64{n * math.Cos(p) * math.Cos(l), n * math.Cos(p) * math.Sin(l), n * (1 - e2) * math.Sin(p)}
}

// Distances from the reference match the straight line through the earth
// (which is shorter than the ground distance by only d³/(24R²)) to within
// the stated accuracy: 0.1 mm at 1 km, 1 cm at 10 km.
func TestLocalFrameDistances(t *testing.T) {
	for _, lat0 := range []float64{0, 48.1, -33.9, 70} {
		r := mustRef(t, lat0, 11.5)
		for _, tc := range []struct{ dist, tol float64 }{{1000, 1e-4}, {10000, 1e-2}} {
			for dir := 0.0; dir < 360; dir += 30 {
				lat, lon := r.ToGeo(tc.dist*math.Cos(dir*math.Pi/180), tc.dist*math.Sin(dir*math.Pi/180))
				a, b := ecefOf(lat0, 11.5), ecefOf(lat, lon)
				chord := math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
				x, y := r.ToLocal(lat, lon)
				if got := math.Hypot(x, y); math.Abs(got-chord) > tc.tol {
					t.Errorf("lat %v, %v m at %v°: local %.6f, chord %.6f", lat0, tc.dist, dir, got, chord)
				}
			}
		}
	}
}

func TestToGeoRoundTrip(t *testing.T) {
	for _, lat0 := range []float64{0, 48.1, -33.9, 70} {
		r := mustRef(t, lat0, -120.3)
		for x := -20000.0; x <= 20000; x += 2500 {
			for y := -20000.0; y <= 20000; y += 2500 {
				lat, lon := r.ToGeo(x, y)
				gx, gy := r.ToLocal(lat, lon)
				if math.Abs(gx-x) > 1e-6 || math.Abs(gy-y) > 1e-6 {
					t.Fatalf("lat0 %v: (%v, %v) -> (%v, %v) -> (%v, %v)", lat0, x, y, lat, lon, gx, gy)
				}
			}
		}
	}
}

// A field across the antimeridian: longitudes stay in [-180, 180] and
// the frame is continuous.
func TestAntimeridian(t *testing.T) {
	r := mustRef(t, -17.5, 179.9995)
	lat, lon := r.ToGeo(0, -200) // 200 m east: across 180°
	if lon > -179.99 || lon < -180 {
		t.Fatalf("lon %v", lon)
	}
	if x, y := r.ToLocal(lat, lon); math.Abs(x) > 1e-6 || math.Abs(y+200) > 1e-6 {
		t.Fatalf("back to %v, %v", x, y)
	}
}

// East of the reference in the north, true north leans west (+y): the
// convergence is about Δlon·sin(lat).
func TestConvergenceAndHeading(t *testing.T) {
	r := mustRef(t, 50, 8)
	lat, lon := r.ToGeo(0, -1000) // 1 km east
	c := r.Convergence(lat, lon)
	want := (lon - 8) * math.Pi / 180 * math.Sin(50*math.Pi/180)
	if c <= 0 || math.Abs(c-want) > 0.01*want {
		t.Fatalf("convergence %v, want about %v", c, want)
	}
	if y := r.YawFromHeading(50, 8, 90); math.Abs(y+math.Pi/2) > 1e-9 {
		t.Fatalf("heading east at the reference: yaw %v, want -pi/2", y)
	}
	if y := r.YawFromHeading(50, 8, 270); math.Abs(y-math.Pi/2) > 1e-9 {
		t.Fatalf("heading west at the reference: yaw %v, want pi/2", y)
	}
	for h := 0.0; h < 360; h += 22.5 {
		yaw := r.YawFromHeading(lat, lon, h)
		if back := r.HeadingFromYaw(lat, lon, yaw); math.Abs(back-h) > 1e-9 && math.Abs(back-h-360) > 1e-9 {
			t.Fatalf("heading %v -> yaw %v -> %v", h, yaw, back)
		}
	}
}

func TestBadReference(t *testing.T) {
	for _, ll := range [][2]float64{{90, 0}, {-89.5, 0}, {0, 181}, {math.NaN(), 0}, {0, math.Inf(1)}} {
		if _, err := hardware.NewGeoReference(ll[0], ll[1]); !errors.Is(err, hardware.ErrBadReference) {
			t.Errorf("%v: %v", ll, err)
		}
	}
	var zero hardware.GeoReference
	if zero.Valid() {
		t.Fatal("zero reference is valid")
	}
}

func TestGNSSFreshness(t *testing.T) {
	var g hardware.GNSS
	if g.HasFix() || g.Fresh(t0, 2e9) || g.Age(t0) >= 0 {
		t.Fatal("empty measurement is a fix")
	}
	g = hardware.GNSS{Quality: hardware.QualityRTKFixed, Received: t0}
	if !g.Fresh(t0.Add(2e9), 2e9) || g.Fresh(t0.Add(2e9+1), 2e9) {
		t.Fatal("freshness boundary")
	}
	g.Quality = hardware.QualityNone
	if g.Fresh(t0, 2e9) {
		t.Fatal("no-fix measurement is fresh")
	}
	if hardware.QualityRTKFloat.String() != "rtk_float" || hardware.GNSSQuality(42).String() != "42" || hardware.GNSSQuality(42).HasFix() {
		t.Fatal("quality names")
	}
}
