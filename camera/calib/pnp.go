package calib

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/gorosys/rosys/hardware"
)

// MaxPnPPoints bounds SolvePnP's input.
const MaxPnPPoints = 10000

// PnPResult is the outcome of SolvePnP.
type PnPResult struct {
	// Camera is the camera's pose in the frame of the world points
	// (camera → world). Camera.Inverse() is OpenCV's rvec/tvec
	// transformation (world → camera).
	Camera Pose3
	// RMS is the root mean square reprojection error, in pixels.
	RMS float64
	// Iterations of the Levenberg–Marquardt refinement.
	Iterations int
}

// Extrinsics is the camera's pose on the robot from a resection made
// with world points while the robot stood at robot:
// RobotPose3(robot)⁻¹∘Camera.
func (r PnPResult) Extrinsics(robot hardware.Pose) Pose3 {
	return RobotPose3(robot).Inverse().Mul(r.Camera)
}

// ErrPnP is wrapped by SolvePnP's errors about its input.
var ErrPnP = errors.New("spatial resection")

// SolvePnP finds the camera's pose from n ≥ 4 world points and their
// pixels (spatial resection; cv::solvePnP with SOLVEPNP_ITERATIVE). The
// pixels are undistorted, a first pose comes from a homography (coplanar
// points, such as markers on the ground) or from the direct linear
// transformation (6 or more points in general position), and
// Levenberg–Marquardt then minimises the reprojection error in pixels
// through the full camera model. Every pixel must be undistortable and the
// points must not all lie on a line.
func SolvePnP(in Intrinsics, world []Point3, pixels []Point2) (PnPResult, error) {
	if err := in.Check(); err != nil {
		return PnPResult{}, fmt.Errorf("%w: %w", ErrPnP, err)
	}
	n := len(world)
	if n != len(pixels) {
		return PnPResult{}, fmt.Errorf("%w: %d world points but %d pixels", ErrPnP, n, len(pixels))
	}
	if n < 4 || n > MaxPnPPoints {
		return PnPResult{}, fmt.Errorf("%w: %d points; want 4..%d", ErrPnP, n, MaxPnPPoints)
	}
	norm := make([]Point2, n)
	for i, px := range pixels {
		if !finite(px.X, px.Y) || !finite(world[i].X, world[i].Y, world[i].Z) {
			return PnPResult{}, fmt.Errorf("%w: point %d is not finite", ErrPnP, i)
		}
		q, ok := in.Undistort(px)
		if !ok {
			return PnPResult{}, fmt.Errorf("%w: pixel %d (%.2f, %.2f): %w", ErrPnP, i, px.X, px.Y, ErrUndistort)
		}
		norm[i] = q
	}
	centroid, basis, sv, ok := principal(world)
	if !ok {
		return PnPResult{}, fmt.Errorf("%w: the world points' spread cannot be decomposed", ErrPnP)
	}
	if sv[1] < 1e-9*math.Max(sv[0], 1e-300) {
		return PnPResult{}, fmt.Errorf("%w: the world points lie on a line (or on one point)", ErrPnP)
	}
	var init Pose3 // world → camera
	var err error
	switch {
	case sv[2] < 1e-3*sv[0]:
		init, err = fromHomography(world, norm, centroid, basis)
	case n >= 6:
		init, err = fromDLT(world, norm, centroid, math.Sqrt(sv[0]))
	default:
		return PnPResult{}, fmt.Errorf("%w: %d points not on a plane; give 6 or more, or coplanar points", ErrPnP, n)
	}
	if err != nil {
		return PnPResult{}, err
	}
	wc, rms, it := refine(&in, world, pixels, init)
	return PnPResult{Camera: wc.Inverse(), RMS: rms, Iterations: it}, nil
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// principal returns the centroid of the points, the principal axes (rows,
// largest spread first; the third is the normal of the best plane) and the
// variances along them.
func principal(pts []Point3) (c Point3, axes [3]Point3, sv [3]float64, ok bool) {
	for _, p := range pts {
		c = c.Add(p)
	}
	c = c.Scale(1 / float64(len(pts)))
	cov := mat.NewSymDense(3, nil)
	for _, p := range pts {
		d := p.Sub(c)
		v := [3]float64{d.X, d.Y, d.Z}
		for i := range 3 {
			for j := i; j < 3; j++ {
				cov.SetSym(i, j, cov.At(i, j)+v[i]*v[j]/float64(len(pts)))
			}
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return c, axes, sv, false
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	for k := range 3 {
		col := 2 - k
		axes[k] = Point3{vecs.At(0, col), vecs.At(1, col), vecs.At(2, col)}
		sv[k] = math.Max(vals[col], 0)
	}
	// A right-handed basis, so that the plane's frame is a rotation.
	axes[2] = axes[0].Cross(axes[1])
	return c, axes, sv, true
}

// nullVector returns the right singular vector of a's smallest singular
// value.
func nullVector(a *mat.Dense) ([]float64, error) {
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDFull) {
		return nil, fmt.Errorf("%w: singular value decomposition failed", ErrPnP)
	}
	var v mat.Dense
	svd.VTo(&v)
	_, c := a.Dims()
	out := make([]float64, c)
	for i := range c {
		out[i] = v.At(i, c-1)
	}
	return out, nil
}

// nearestRotation returns the rotation nearest to m (Frobenius), and the
// mean of m's singular values.
func nearestRotation(m [3][3]float64) (Rotation, float64, error) {
	a := mat.NewDense(3, 3, []float64{m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2], m[2][0], m[2][1], m[2][2]})
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDFull) {
		return Rotation{}, 0, fmt.Errorf("%w: singular value decomposition failed", ErrPnP)
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	s := svd.Values(nil)
	var r mat.Dense
	r.Mul(&u, v.T())
	var out Rotation
	for i := range 3 {
		for j := range 3 {
			out[i][j] = r.At(i, j)
		}
	}
	if det3(out) < 0 { // flip the smallest singular direction
		var d mat.Dense
		d.Mul(&u, mat.NewDiagDense(3, []float64{1, 1, -1}))
		r.Mul(&d, v.T())
		for i := range 3 {
			for j := range 3 {
				out[i][j] = r.At(i, j)
			}
		}
	}
	return out, (s[0] + s[1] + s[2]) / 3, nil
}

// fromHomography: with the points in their plane's coordinates (a, b) —
// p = c + a·e1 + b·e2 — the camera sees R·p + t = a·R·e1 + b·R·e2 +
// (R·c + t), so the homography from (a, b, 1) to normalized pixels has the
// columns R·e1, R·e2 and R·c + t, up to one scale.
func fromHomography(world []Point3, norm []Point2, c Point3, axes [3]Point3) (Pose3, error) {
	n := len(world)
	// Scale the plane coordinates to unit spread for conditioning.
	ab := make([][2]float64, n)
	var spread float64
	for i, p := range world {
		d := p.Sub(c)
		ab[i] = [2]float64{d.Dot(axes[0]), d.Dot(axes[1])}
		spread += ab[i][0]*ab[i][0] + ab[i][1]*ab[i][1]
	}
	s := math.Sqrt(spread / float64(n))
	a := mat.NewDense(2*n, 9, nil)
	for i := range n {
		u, v := ab[i][0]/s, ab[i][1]/s
		x, y := norm[i].X, norm[i].Y
		a.SetRow(2*i, []float64{u, v, 1, 0, 0, 0, -x * u, -x * v, -x})
		a.SetRow(2*i+1, []float64{0, 0, 0, u, v, 1, -y * u, -y * v, -y})
	}
	h, err := nullVector(a)
	if err != nil {
		return Pose3{}, err
	}
	h1 := Point3{h[0], h[3], h[6]}
	h2 := Point3{h[1], h[4], h[7]}
	h3 := Point3{h[2], h[5], h[8]}
	lambda := (h1.Norm() + h2.Norm()) / 2 / s // h1 = λ·s·R·e1
	if h3.Z < 0 {                             // the centroid lies in front of the camera
		lambda = -lambda
	}
	if lambda == 0 {
		return Pose3{}, fmt.Errorf("%w: degenerate homography", ErrPnP)
	}
	r1 := h1.Scale(1 / (lambda * s))
	r2 := h2.Scale(1 / (lambda * s))
	r3 := r1.Cross(r2)
	// M = R·[e1 e2 e3] (columns r1, r2, r3), so R = M·[e1 e2 e3]ᵀ.
	var m [3][3]float64
	cols := [3]Point3{r1, r2, r3}
	for i := range 3 {
		for j := range 3 {
			m[i][j] = comp(cols[0], i)*comp(axes[0], j) + comp(cols[1], i)*comp(axes[1], j) + comp(cols[2], i)*comp(axes[2], j)
		}
	}
	r, _, err := nearestRotation(m)
	if err != nil {
		return Pose3{}, err
	}
	t := h3.Scale(1 / lambda).Sub(r.Apply(c))
	return Pose3{X: t.X, Y: t.Y, Z: t.Z, Rotation: r}, nil
}

func comp(p Point3, i int) float64 {
	switch i {
	case 0:
		return p.X
	case 1:
		return p.Y
	}
	return p.Z
}

// fromDLT: the 3×4 matrix P with normalized pixels ∝ P·(q, 1), q the
// world points centred on c and scaled by 1/s, is μ·[s·R | R·c + t].
func fromDLT(world []Point3, norm []Point2, c Point3, s float64) (Pose3, error) {
	n := len(world)
	a := mat.NewDense(2*n, 12, nil)
	for i, p := range world {
		q := p.Sub(c).Scale(1 / s)
		x, y := norm[i].X, norm[i].Y
		a.SetRow(2*i, []float64{q.X, q.Y, q.Z, 1, 0, 0, 0, 0, -x * q.X, -x * q.Y, -x * q.Z, -x})
		a.SetRow(2*i+1, []float64{0, 0, 0, 0, q.X, q.Y, q.Z, 1, -y * q.X, -y * q.Y, -y * q.Z, -y})
	}
	h, err := nullVector(a)
	if err != nil {
		return Pose3{}, err
	}
	m := [3][3]float64{{h[0], h[1], h[2]}, {h[4], h[5], h[6]}, {h[8], h[9], h[10]}}
	last := Point3{h[3], h[7], h[11]}
	sign := 1.0
	if det3(m) < 0 {
		sign = -1
	}
	for i := range 3 {
		for j := range 3 {
			m[i][j] *= sign
		}
	}
	last = last.Scale(sign)
	r, mean, err := nearestRotation(m)
	if err != nil {
		return Pose3{}, err
	}
	mu := mean / s
	if mu == 0 {
		return Pose3{}, fmt.Errorf("%w: degenerate projection matrix", ErrPnP)
	}
	t := last.Scale(1 / mu).Sub(r.Apply(c))
	return Pose3{X: t.X, Y: t.Y, Z: t.Z, Rotation: r}, nil
}
