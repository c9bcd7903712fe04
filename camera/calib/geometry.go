package calib

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/gorosys/rosys/hardware"
)

// Point2 is a point in the image (pixels) or in normalized image
// coordinates (x/z, y/z in the camera frame).
type Point2 struct{ X, Y float64 }

// Point3 is a point or a direction in 3D, in metres.
type Point3 struct{ X, Y, Z float64 }

// Add returns p+q.
func (p Point3) Add(q Point3) Point3 { return Point3{p.X + q.X, p.Y + q.Y, p.Z + q.Z} }

// Sub returns p−q.
func (p Point3) Sub(q Point3) Point3 { return Point3{p.X - q.X, p.Y - q.Y, p.Z - q.Z} }

// Scale returns s·p.
func (p Point3) Scale(s float64) Point3 { return Point3{s * p.X, s * p.Y, s * p.Z} }

// Dot returns p·q.
func (p Point3) Dot(q Point3) float64 { return p.X*q.X + p.Y*q.Y + p.Z*q.Z }

// Cross returns p×q.
func (p Point3) Cross(q Point3) Point3 {
	return Point3{p.Y*q.Z - p.Z*q.Y, p.Z*q.X - p.X*q.Z, p.X*q.Y - p.Y*q.X}
}

// Norm is the Euclidean length of p.
func (p Point3) Norm() float64 { return math.Sqrt(p.Dot(p)) }

// Rotation is a 3×3 rotation matrix, rows first. Its JSON is RoSys's
// Rotation: {"R": [[…], […], […]]}.
type Rotation [3][3]float64

// Identity is the rotation that turns nothing.
func Identity() Rotation { return Rotation{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}} }

// RotationFromEuler returns Rz(yaw)·Ry(pitch)·Rx(roll), RoSys's
// Rotation.from_euler.
func RotationFromEuler(roll, pitch, yaw float64) Rotation {
	sr, cr := math.Sincos(roll)
	sp, cp := math.Sincos(pitch)
	sy, cy := math.Sincos(yaw)
	return Rotation{
		{cy * cp, cy*sp*sr - sy*cr, cy*sp*cr + sy*sr},
		{sy * cp, sy*sp*sr + cy*cr, sy*sp*cr - cy*sr},
		{-sp, cp * sr, cp * cr},
	}
}

// Euler returns roll, pitch and yaw such that RotationFromEuler gives r
// back (pitch in [−π/2, π/2]).
func (r Rotation) Euler() (roll, pitch, yaw float64) {
	roll = math.Atan2(r[2][1], r[2][2])
	pitch = math.Atan2(-r[2][0], math.Hypot(r[2][1], r[2][2]))
	yaw = math.Atan2(r[1][0], r[0][0])
	return
}

// RotationFromRvec returns the rotation of an OpenCV rotation vector
// (axis times angle, Rodrigues).
func RotationFromRvec(v [3]float64) Rotation {
	th := math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2])
	if th < 1e-12 {
		// First order: I + [v]×, exact enough below 1e-12.
		return Rotation{{1, -v[2], v[1]}, {v[2], 1, -v[0]}, {-v[1], v[0], 1}}
	}
	kx, ky, kz := v[0]/th, v[1]/th, v[2]/th
	s, c := math.Sincos(th)
	C := 1 - c
	return Rotation{
		{c + kx*kx*C, kx*ky*C - kz*s, kx*kz*C + ky*s},
		{ky*kx*C + kz*s, c + ky*ky*C, ky*kz*C - kx*s},
		{kz*kx*C - ky*s, kz*ky*C + kx*s, c + kz*kz*C},
	}
}

// Rvec returns r as an OpenCV rotation vector (Rodrigues).
func (r Rotation) Rvec() [3]float64 {
	c := (r[0][0] + r[1][1] + r[2][2] - 1) / 2
	c = math.Max(-1, math.Min(1, c))
	th := math.Acos(c)
	ax := [3]float64{r[2][1] - r[1][2], r[0][2] - r[2][0], r[1][0] - r[0][1]}
	s := math.Sin(th)
	if th < 1e-9 {
		return [3]float64{ax[0] / 2, ax[1] / 2, ax[2] / 2}
	}
	if s > 1e-6 {
		f := th / (2 * s)
		return [3]float64{ax[0] * f, ax[1] * f, ax[2] * f}
	}
	// Near π: the axis from the diagonal of (R+I)/2 = k kᵀ.
	k := [3]float64{
		math.Sqrt(math.Max(0, (r[0][0]+1)/2)),
		math.Sqrt(math.Max(0, (r[1][1]+1)/2)),
		math.Sqrt(math.Max(0, (r[2][2]+1)/2)),
	}
	// Signs relative to the largest component.
	i := 0
	for j := 1; j < 3; j++ {
		if k[j] > k[i] {
			i = j
		}
	}
	for j := 0; j < 3; j++ {
		if j != i && (r[i][j]+r[j][i]) < 0 {
			k[j] = -k[j]
		}
	}
	return [3]float64{k[0] * th, k[1] * th, k[2] * th}
}

// Apply returns r·p.
func (r Rotation) Apply(p Point3) Point3 {
	return Point3{
		r[0][0]*p.X + r[0][1]*p.Y + r[0][2]*p.Z,
		r[1][0]*p.X + r[1][1]*p.Y + r[1][2]*p.Z,
		r[2][0]*p.X + r[2][1]*p.Y + r[2][2]*p.Z,
	}
}

// Mul returns r·q.
func (r Rotation) Mul(q Rotation) Rotation {
	var o Rotation
	for i := range 3 {
		for j := range 3 {
			o[i][j] = r[i][0]*q[0][j] + r[i][1]*q[1][j] + r[i][2]*q[2][j]
		}
	}
	return o
}

// T returns the transpose of r, its inverse.
func (r Rotation) T() Rotation {
	var o Rotation
	for i := range 3 {
		for j := range 3 {
			o[i][j] = r[j][i]
		}
	}
	return o
}

// Angle is the angle of the rotation r, in [0, π].
func (r Rotation) Angle() float64 {
	c := (r[0][0] + r[1][1] + r[2][2] - 1) / 2
	return math.Acos(math.Max(-1, math.Min(1, c)))
}

// Check refuses a matrix that is not a rotation (orthonormal within 1e-6,
// determinant +1) or has non-finite entries.
func (r Rotation) Check() error {
	for i := range 3 {
		for j := range 3 {
			if math.IsNaN(r[i][j]) || math.IsInf(r[i][j], 0) {
				return fmt.Errorf("rotation R[%d][%d] is %v", i, j, r[i][j])
			}
		}
	}
	p := r.Mul(r.T())
	for i := range 3 {
		for j := range 3 {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(p[i][j]-want) > 1e-6 {
				return fmt.Errorf("rotation R is not orthonormal (R·Rᵀ[%d][%d] = %g)", i, j, p[i][j])
			}
		}
	}
	if det3(r) < 0 {
		return fmt.Errorf("rotation R is a reflection (determinant −1)")
	}
	return nil
}

func det3(m [3][3]float64) float64 {
	return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
}

type rotationJSON struct {
	R [3][3]float64 `json:"R"`
}

// MarshalJSON writes RoSys's shape, {"R": [[…], […], […]]}.
func (r Rotation) MarshalJSON() ([]byte, error) { return json.Marshal(rotationJSON{R: r}) }

// UnmarshalJSON reads {"R": …} and refuses a matrix that is not a rotation.
func (r *Rotation) UnmarshalJSON(b []byte) error {
	var v rotationJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("rotation: %w", err)
	}
	if err := Rotation(v.R).Check(); err != nil {
		return err
	}
	*r = v.R
	return nil
}

// Pose3 is a rigid transformation: a point p in the pose's own frame is
// Rotation·p + (X, Y, Z) in the parent frame (RoSys's Pose3d). Used for
// the extrinsics (camera in the robot frame) and camera poses in the
// world.
type Pose3 struct {
	X, Y, Z  float64
	Rotation Rotation
}

// Translation is (X, Y, Z).
func (p Pose3) Translation() Point3 { return Point3{p.X, p.Y, p.Z} }

// Apply maps q from the pose's frame to the parent frame.
func (p Pose3) Apply(q Point3) Point3 { return p.Rotation.Apply(q).Add(p.Translation()) }

// Mul returns p∘q: q's frame expressed in p's parent frame.
func (p Pose3) Mul(q Pose3) Pose3 {
	t := p.Apply(q.Translation())
	return Pose3{X: t.X, Y: t.Y, Z: t.Z, Rotation: p.Rotation.Mul(q.Rotation)}
}

// Inverse returns the transformation from the parent frame to p's frame.
func (p Pose3) Inverse() Pose3 {
	rt := p.Rotation.T()
	t := rt.Apply(p.Translation()).Scale(-1)
	return Pose3{X: t.X, Y: t.Y, Z: t.Z, Rotation: rt}
}

// RobotPose3 is the robot's 2D pose as a 3D transformation (robot frame →
// world): (X, Y, 0) turned by Yaw about z.
func RobotPose3(p hardware.Pose) Pose3 {
	return Pose3{X: p.X, Y: p.Y, Rotation: RotationFromEuler(0, 0, p.Yaw)}
}

// pose3JSON is RoSys's Pose3d as dataclasses-json writes it. _frame_id is
// written as null and accepted when read, but not used: rosys-go places
// the extrinsics on the robot pose it is given (see the package doc).
type pose3JSON struct {
	FrameID  *string  `json:"_frame_id"`
	X        float64  `json:"x"`
	Y        float64  `json:"y"`
	Z        float64  `json:"z"`
	Rotation Rotation `json:"rotation"`
}

// MarshalJSON writes RoSys's Pose3d shape.
func (p Pose3) MarshalJSON() ([]byte, error) {
	return json.Marshal(pose3JSON{X: p.X, Y: p.Y, Z: p.Z, Rotation: p.Rotation})
}

// UnmarshalJSON reads RoSys's Pose3d shape; a missing rotation is the
// identity.
func (p *Pose3) UnmarshalJSON(b []byte) error {
	v := pose3JSON{Rotation: Identity()}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("pose: %w", err)
	}
	for _, f := range []float64{v.X, v.Y, v.Z} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("pose: translation (%v, %v, %v) is not finite", v.X, v.Y, v.Z)
		}
	}
	*p = Pose3{X: v.X, Y: v.Y, Z: v.Z, Rotation: v.Rotation}
	return nil
}

// LookingForward is the rotation (camera → robot) of a camera looking
// along the robot's x axis, tilted by tilt radians below the horizon
// (π/2: straight down), upright: the image's right is the robot's right
// (−y), the image's top points away from the ground.
func LookingForward(tilt float64) Rotation {
	s, c := math.Sincos(tilt)
	z := Point3{c, 0, -s} // optical axis
	x := Point3{0, -1, 0} // image right
	y := z.Cross(x)       // image down
	return Rotation{{x.X, y.X, z.X}, {x.Y, y.Y, z.Y}, {x.Z, y.Z, z.Z}}
}
