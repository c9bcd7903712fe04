package localization

import "math"

// mat3 is a 3×3 covariance over (x, y, yaw), row-major. Plain arrays so
// that the filter allocates nothing.
type mat3 [3][3]float64

// state is the estimate at one instant: position (m), yaw (rad) and their
// covariance.
type state struct {
	x, y, yaw float64
	p         mat3
	// since is the distance (m) driven since the last absolute
	// correction: the wheels' slip is a bias, so the along-track error
	// grows with it linearly, not with its square root.
	since float64
}

// motion is the robot's movement between two ticks in its own frame at
// the first: forward dx, left dy (m), turn dyaw (rad).
type motion struct {
	dx, dy, dyaw float64
	imu          bool // dyaw is the IMU's: its drift over the tick counts
}

// noise is the filter's process noise: how much each metre and radian of
// odometry may be wrong.
type noise struct {
	along, lateral float64 // σ (m) per metre driven
	turn           float64 // σ (rad) per radian turned
	turnPerMetre   float64 // σ (rad) per metre driven (uneven slip between the wheels)
	perSecond      float64 // σ (rad) per second: a yaw source's drift
	floor          float64 // σ (m) per tick, so the covariance never collapses
	slip           float64 // σ of the wheels' slip (a fraction): a bias over the distance since a correction
}

// predict moves s by m (composed in s's frame) and grows its covariance
// by the odometry's error over m. dt is the tick's length in seconds.
func (s *state) predict(m motion, n *noise, dt float64) {
	sn, cs := math.Sincos(s.yaw)
	wx := cs*m.dx - sn*m.dy
	wy := sn*m.dx + cs*m.dy
	// F = ∂(x', y', yaw')/∂(x, y, yaw): only yaw moves x' and y'.
	f02, f12 := -wy, wx
	p := &s.p
	// P' = F P Fᵀ, written out for the sparse F.
	var q mat3
	q[0][0] = p[0][0] + 2*f02*p[0][2] + f02*f02*p[2][2]
	q[0][1] = p[0][1] + f02*p[1][2] + f12*p[0][2] + f02*f12*p[2][2]
	q[0][2] = p[0][2] + f02*p[2][2]
	q[1][1] = p[1][1] + 2*f12*p[1][2] + f12*f12*p[2][2]
	q[1][2] = p[1][2] + f12*p[2][2]
	q[2][2] = p[2][2]
	// + G Q Gᵀ, Q diagonal in the robot's frame, G its rotation into the
	// world.
	d := math.Hypot(m.dx, m.dy)
	sa := n.along*d + n.floor
	sl := n.lateral*d + n.floor
	st := n.turn*math.Abs(m.dyaw) + n.turnPerMetre*d
	if m.imu {
		st += n.perSecond * dt
	}
	va, vl := sa*sa, sl*sl
	// The slip's σ·D grows to σ·(D+d): its variance by σ²(2Dd + d²).
	va += n.slip * n.slip * (2*s.since*d + d*d)
	s.since += d
	q[0][0] += cs*cs*va + sn*sn*vl
	q[0][1] += cs * sn * (va - vl)
	q[1][1] += sn*sn*va + cs*cs*vl
	q[2][2] += st * st
	q[1][0], q[2][0], q[2][1] = q[0][1], q[0][2], q[1][2]
	s.p = q
	s.x += wx
	s.y += wy
	s.yaw = wrap(s.yaw + m.dyaw)
}

// positionInnovation is the fix (fx, fy) of an antenna at (ax, ay) in the
// robot's frame against s: the innovation ν, its covariance S = H P Hᵀ +
// R, and H's yaw column (h02, h12).
func (s *state) positionInnovation(fx, fy, ax, ay, vx, vy float64) (nu [2]float64, S [2][2]float64, h02, h12 float64) {
	sn, cs := math.Sincos(s.yaw)
	px := s.x + cs*ax - sn*ay
	py := s.y + sn*ax + cs*ay
	h02, h12 = -sn*ax-cs*ay, cs*ax-sn*ay
	nu = [2]float64{fx - px, fy - py}
	p := &s.p
	// H = [[1 0 h02] [0 1 h12]]
	S[0][0] = p[0][0] + 2*h02*p[0][2] + h02*h02*p[2][2] + vx
	S[0][1] = p[0][1] + h02*p[1][2] + h12*p[0][2] + h02*h12*p[2][2]
	S[1][1] = p[1][1] + 2*h12*p[1][2] + h12*h12*p[2][2] + vy
	S[1][0] = S[0][1]
	return nu, S, h02, h12
}

// mahalanobis2 is νᵀ S⁻¹ ν; +Inf when S is singular.
func mahalanobis2(nu [2]float64, S [2][2]float64) float64 {
	det := S[0][0]*S[1][1] - S[0][1]*S[1][0]
	if !(det > 0) {
		return math.Inf(1)
	}
	return (S[1][1]*nu[0]*nu[0] - 2*S[0][1]*nu[0]*nu[1] + S[0][0]*nu[1]*nu[1]) / det
}

// updatePosition applies a position innovation from positionInnovation
// (Joseph form, so P stays symmetric and positive).
func (s *state) updatePosition(nu [2]float64, S [2][2]float64, h02, h12, vx, vy float64) {
	det := S[0][0]*S[1][1] - S[0][1]*S[1][0]
	if !(det > 0) {
		return
	}
	si := [2][2]float64{{S[1][1] / det, -S[0][1] / det}, {-S[1][0] / det, S[0][0] / det}}
	p := &s.p
	// P Hᵀ (3×2)
	var pht [3][2]float64
	for i := range 3 {
		pht[i][0] = p[i][0] + p[i][2]*h02
		pht[i][1] = p[i][1] + p[i][2]*h12
	}
	var k [3][2]float64
	for i := range 3 {
		k[i][0] = pht[i][0]*si[0][0] + pht[i][1]*si[1][0]
		k[i][1] = pht[i][0]*si[0][1] + pht[i][1]*si[1][1]
	}
	s.x += k[0][0]*nu[0] + k[0][1]*nu[1]
	s.y += k[1][0]*nu[0] + k[1][1]*nu[1]
	s.yaw = wrap(s.yaw + k[2][0]*nu[0] + k[2][1]*nu[1])
	// Joseph: (I-KH) P (I-KH)ᵀ + K R Kᵀ
	var a mat3 // I - K H
	for i := range 3 {
		a[i][0] = -k[i][0]
		a[i][1] = -k[i][1]
		a[i][2] = -(k[i][0]*h02 + k[i][1]*h12)
		a[i][i]++
	}
	s.p = joseph(&a, p, func(i, j int) float64 { return k[i][0]*k[j][0]*vx + k[i][1]*k[j][1]*vy })
}

// updateYaw applies a yaw measurement z with variance v; it returns the
// squared Mahalanobis distance, and applies nothing beyond gate.
func (s *state) updateYaw(z, v, gate float64) float64 {
	nu := wrap(z - s.yaw)
	S := s.p[2][2] + v
	d2 := nu * nu / S
	if d2 > gate {
		return d2
	}
	var k [3]float64
	for i := range 3 {
		k[i] = s.p[i][2] / S
	}
	s.x += k[0] * nu
	s.y += k[1] * nu
	s.yaw = wrap(s.yaw + k[2]*nu)
	var a mat3
	for i := range 3 {
		a[i][2] = -k[i]
		a[i][i]++
	}
	s.p = joseph(&a, &s.p, func(i, j int) float64 { return k[i] * k[j] * v })
	return d2
}

// joseph is A P Aᵀ + R(i, j), symmetrised.
func joseph(a, p *mat3, r func(i, j int) float64) mat3 {
	var ap, out mat3
	for i := range 3 {
		for j := range 3 {
			ap[i][j] = a[i][0]*p[0][j] + a[i][1]*p[1][j] + a[i][2]*p[2][j]
		}
	}
	for i := range 3 {
		for j := i; j < 3; j++ {
			v := ap[i][0]*a[j][0] + ap[i][1]*a[j][1] + ap[i][2]*a[j][2] + r(i, j)
			out[i][j], out[j][i] = v, v
		}
	}
	return out
}

// between is the motion from a to b (odometry poses), in a's frame.
func between(ax, ay, ayaw, bx, by, byaw float64) motion {
	sn, cs := math.Sincos(ayaw)
	dx, dy := bx-ax, by-ay
	return motion{dx: cs*dx + sn*dy, dy: -sn*dx + cs*dy, dyaw: wrap(byaw - ayaw)}
}

// wrap maps a to (-π, π].
func wrap(a float64) float64 {
	w := math.Remainder(a, 2*math.Pi)
	if w <= -math.Pi {
		w += 2 * math.Pi
	}
	return w
}
