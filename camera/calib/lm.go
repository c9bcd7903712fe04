package calib

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// behindPenalty is the residual, in pixels, of a point behind the camera
// during the refinement: large, so that a step putting points behind the
// camera is never taken.
const behindPenalty = 1e6

// residuals writes the reprojection errors of the world → camera pose wc
// into r (2 per point) and returns their sum of squares.
func residuals(in *Intrinsics, world []Point3, pixels []Point2, wc Pose3, r []float64) float64 {
	var sum float64
	for i, p := range world {
		px, ok := in.Project(wc.Apply(p))
		dx, dy := px.X-pixels[i].X, px.Y-pixels[i].Y
		if !ok {
			dx, dy = behindPenalty, behindPenalty
		}
		r[2*i], r[2*i+1] = dx, dy
		sum += dx*dx + dy*dy
	}
	return sum
}

// perturb applies the step d (rotation vector, left-multiplied, then
// translation) to the pose.
func perturb(wc Pose3, d [6]float64) Pose3 {
	dr := RotationFromRvec([3]float64{d[0], d[1], d[2]})
	return Pose3{X: wc.X + d[3], Y: wc.Y + d[4], Z: wc.Z + d[5], Rotation: dr.Mul(wc.Rotation)}
}

// refine minimises the reprojection error over the world → camera pose by
// Levenberg–Marquardt with Marquardt's scaling and a central-difference
// Jacobian (6 parameters: a small rotation applied on the left, and the
// translation). It returns the pose, the RMS error in pixels and the
// number of iterations.
func refine(in *Intrinsics, world []Point3, pixels []Point2, wc Pose3) (Pose3, float64, int) {
	n := len(world)
	r := make([]float64, 2*n)
	rp := make([]float64, 2*n)
	rm := make([]float64, 2*n)
	jac := mat.NewDense(2*n, 6, nil)
	cost := residuals(in, world, pixels, wc, r)
	lambda := 1e-3
	it := 0
	for it < 200 {
		it++
		scale := 1 + wc.Translation().Norm()
		for k := range 6 {
			h := 1e-6
			if k >= 3 {
				h *= scale
			}
			var d [6]float64
			d[k] = h
			residuals(in, world, pixels, perturb(wc, d), rp)
			d[k] = -h
			residuals(in, world, pixels, perturb(wc, d), rm)
			for i := range 2 * n {
				jac.Set(i, k, (rp[i]-rm[i])/(2*h))
			}
		}
		var jtj mat.Dense
		jtj.Mul(jac.T(), jac)
		var jtr mat.VecDense
		jtr.MulVec(jac.T(), mat.NewVecDense(2*n, r))
		improved := false
		for lambda < 1e16 {
			a := mat.DenseCopyOf(&jtj)
			for k := range 6 {
				a.Set(k, k, jtj.At(k, k)*(1+lambda)+1e-30)
			}
			var step mat.VecDense
			if err := step.SolveVec(a, &jtr); err != nil {
				lambda *= 10
				continue
			}
			var d [6]float64
			for k := range 6 {
				d[k] = -step.AtVec(k)
			}
			cand := perturb(wc, d)
			c := residuals(in, world, pixels, cand, rp)
			if c < cost {
				small := math.Abs(d[0])+math.Abs(d[1])+math.Abs(d[2]) < 1e-14 &&
					math.Abs(d[3])+math.Abs(d[4])+math.Abs(d[5]) < 1e-14*scale
				rel := (cost - c) / math.Max(cost, 1e-300)
				wc, cost = cand, c
				copy(r, rp)
				lambda = math.Max(lambda/10, 1e-12)
				improved = true
				if small || rel < 1e-14 {
					return wc, math.Sqrt(cost / float64(n)), it
				}
				break
			}
			lambda *= 10
		}
		if !improved {
			break
		}
	}
	return wc, math.Sqrt(cost / float64(n)), it
}
