package calib

import "math"

// coeffs returns the pinhole distortion padded to 12 values: k1, k2, p1,
// p2, k3, k4, k5, k6, s1, s2, s3, s4.
func (in *Intrinsics) pinholeCoeffs() (c [12]float64) {
	copy(c[:], in.D)
	return c
}

// distortPinhole maps a normalized point through OpenCV's pinhole
// distortion, and returns its Jacobian too.
func distortPinhole(c *[12]float64, x, y float64) (xd, yd float64, j [2][2]float64) {
	k1, k2, p1, p2, k3, k4, k5, k6 := c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
	s1, s2, s3, s4 := c[8], c[9], c[10], c[11]
	r2 := x*x + y*y
	r4 := r2 * r2
	a := 1 + k1*r2 + k2*r4 + k3*r4*r2
	b := 1 + k4*r2 + k5*r4 + k6*r4*r2
	cr := a / b
	da := k1 + 2*k2*r2 + 3*k3*r4
	db := k4 + 2*k5*r2 + 3*k6*r4
	dc := (da*b - a*db) / (b * b) // d cr / d r2
	xd = x*cr + 2*p1*x*y + p2*(r2+2*x*x) + s1*r2 + s2*r4
	yd = y*cr + p1*(r2+2*y*y) + 2*p2*x*y + s3*r2 + s4*r4
	px := s1 + 2*s2*r2 // d(s1 r2 + s2 r4)/d r2
	py := s3 + 2*s4*r2
	j[0][0] = cr + 2*x*x*dc + 2*p1*y + 6*p2*x + 2*x*px
	j[0][1] = 2*x*y*dc + 2*p1*x + 2*p2*y + 2*y*px
	j[1][0] = 2*x*y*dc + 2*p1*x + 2*p2*y + 2*x*py
	j[1][1] = cr + 2*y*y*dc + 6*p1*y + 2*p2*x + 2*y*py
	return
}

// fisheyeTheta is θ_d(θ) = θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸) and its
// derivative.
func fisheyeTheta(d []float64, th float64) (thd, dthd float64) {
	var k [4]float64
	copy(k[:], d)
	t2 := th * th
	t4 := t2 * t2
	t6 := t4 * t2
	t8 := t4 * t4
	thd = th * (1 + k[0]*t2 + k[1]*t4 + k[2]*t6 + k[3]*t8)
	dthd = 1 + 3*k[0]*t2 + 5*k[1]*t4 + 7*k[2]*t6 + 9*k[3]*t8
	return
}

// Distort maps a normalized point (x/z, y/z in the camera frame) to its
// pixel: distortion, then K.
func (in *Intrinsics) Distort(n Point2) Point2 {
	var xd, yd float64
	switch in.Model {
	case Fisheye:
		r := math.Hypot(n.X, n.Y)
		if r < 1e-15 {
			xd, yd = n.X, n.Y
		} else {
			thd, _ := fisheyeTheta(in.D, math.Atan(r))
			xd, yd = n.X*thd/r, n.Y*thd/r
		}
	default:
		c := in.pinholeCoeffs()
		xd, yd, _ = distortPinhole(&c, n.X, n.Y)
	}
	k := in.K
	return Point2{k.Fx*xd + k.Skew*yd + k.Cx, k.Fy*yd + k.Cy}
}

// Project maps a point in the camera frame to its pixel. ok is false for a
// point not in front of the camera (z ≤ 0), which has no image.
func (in *Intrinsics) Project(p Point3) (px Point2, ok bool) {
	if !(p.Z > 0) {
		return Point2{math.NaN(), math.NaN()}, false
	}
	return in.Distort(Point2{p.X / p.Z, p.Y / p.Z}), true
}

// Tolerances of the undistortion's iteration: it stops when the step is
// below undistortStep (normalized units, about 1e-9 px) and fails when
// the point it found does not distort back to within undistortResidual
// pixels of the input (a pixel outside the region where the distortion can
// be inverted, past the fold of a strong barrel distortion).
const (
	undistortIterations = 50
	undistortStep       = 1e-12
	undistortResidual   = 1e-6
)

// Undistort maps a pixel to its normalized point (x/z, y/z in the camera
// frame): the inverse of Distort, what cv::undistortPoints and
// cv::fisheye::undistortPoints return without R and P. Pinhole: Newton's
// iteration on the distortion from the distorted point (OpenCV iterates a
// fixed point, 5 times by default; both converge to the same point, this
// one to 1e-12). Fisheye: Newton on θ as OpenCV does. ok is false when the
// iteration does not converge to a point that distorts back onto the pixel
// within 1e-6 px, or (fisheye) when the pixel lies beyond 90° off axis.
func (in *Intrinsics) Undistort(px Point2) (n Point2, ok bool) {
	k := in.K
	yd := (px.Y - k.Cy) / k.Fy
	xd := (px.X - k.Cx - k.Skew*yd) / k.Fx
	switch in.Model {
	case Fisheye:
		thd := math.Hypot(xd, yd)
		if thd < 1e-15 {
			return Point2{xd, yd}, true
		}
		th := thd
		for range undistortIterations {
			f, df := fisheyeTheta(in.D, th)
			if df == 0 {
				break
			}
			step := (f - thd) / df
			th -= step
			if math.Abs(step) < undistortStep {
				break
			}
		}
		if !(th > 0 && th < math.Pi/2) {
			return Point2{math.NaN(), math.NaN()}, false
		}
		if f, _ := fisheyeTheta(in.D, th); math.Abs(f-thd)*math.Max(k.Fx, k.Fy) > undistortResidual {
			return Point2{math.NaN(), math.NaN()}, false
		}
		s := math.Tan(th) / thd
		return Point2{xd * s, yd * s}, true
	default:
		c := in.pinholeCoeffs()
		x, y := xd, yd
		for range undistortIterations {
			fx, fy, j := distortPinhole(&c, x, y)
			rx, ry := fx-xd, fy-yd
			det := j[0][0]*j[1][1] - j[0][1]*j[1][0]
			if det == 0 || math.IsNaN(det) {
				break
			}
			dx := (j[1][1]*rx - j[0][1]*ry) / det
			dy := (j[0][0]*ry - j[1][0]*rx) / det
			x -= dx
			y -= dy
			if math.Abs(dx)+math.Abs(dy) < undistortStep {
				break
			}
		}
		fx, fy, j := distortPinhole(&c, x, y)
		// Past the fold the Jacobian's determinant turns negative: the
		// pixel's inner preimage was missed, or it has none.
		if math.IsNaN(x) || math.IsNaN(y) || j[0][0]*j[1][1]-j[0][1]*j[1][0] <= 0 ||
			math.Hypot((fx-xd)*k.Fx, (fy-yd)*k.Fy) > undistortResidual {
			return Point2{math.NaN(), math.NaN()}, false
		}
		return Point2{x, y}, true
	}
}

// Unproject returns the ray of a pixel in the camera frame, as (x, y, 1)
// (not of unit length). ok as for Undistort.
func (in *Intrinsics) Unproject(px Point2) (ray Point3, ok bool) {
	n, ok := in.Undistort(px)
	return Point3{n.X, n.Y, 1}, ok
}
