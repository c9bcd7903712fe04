package calib

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/internal/testtool"
)

// The oracle's bounds (issue #27): projection and undistortion agree with
// OpenCV to 0.01 px across the image, resection finds the pose to 1 mm
// and 0.1°.
const (
	oraclePixels  = 0.01
	oracleMetres  = 0.001
	oracleDegrees = 0.1
)

// oracle runs testdata/oracle.py (OpenCV through Debian's python3-opencv)
// on the cases and decodes its results into out.
func oracle(t *testing.T, cases []map[string]any, out any) {
	t.Helper()
	py := testtool.RequirePython(t, testtool.OpenCV)
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "oracle.py"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle.py: %v: %s", err, stderr.Bytes())
	}
	if err := json.Unmarshal(got, out); err != nil {
		t.Fatalf("oracle.py's output: %v", err)
	}
}

func kRows(in Intrinsics) [3][3]float64 { return in.K.Matrix() }

func names(m map[string]Intrinsics) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Points through a robot pose and extrinsics, projected by Calibration.Project
// and by cv2.projectPoints / cv2.fisheye.projectPoints with the same
// camera pose as rvec/tvec.
func TestOracleProject(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 1))
	cams := cameras()
	type job struct {
		name  string
		mine  []Point2
		world []Point3
	}
	var jobs []job
	var cases []map[string]any
	for _, name := range names(cams) {
		in := cams[name]
		for pose := range 5 {
			// A random mounting: the camera looking down at another tilt,
			// turned about its own axis, at a random place on the robot.
			ext := Pose3{X: rng.Float64() - 0.5, Y: rng.Float64() - 0.5, Z: 0.5 + rng.Float64(),
				Rotation: downForward(0.2 + rng.Float64()).Mul(RotationFromEuler(0, 0, rng.Float64()-0.5))}
			c := Calibration{Intrinsics: in, Extrinsics: ext}
			robot := randomRobot(rng)
			cam := c.CameraPose(robot)
			j := job{name: name}
			for range 200 {
				// A point whose pixel is anywhere on the image, at 0.2–30 m.
				ray, ok := in.Unproject(randomPixel(rng, in))
				if !ok {
					t.Fatalf("%s: unproject failed", name)
				}
				p := cam.Apply(ray.Scale(0.2 + 30*rng.Float64()))
				px, ok := c.Project(p, robot)
				if !ok {
					t.Fatalf("%s: a point in front of the camera projects as behind it", name)
				}
				j.world = append(j.world, p)
				j.mine = append(j.mine, px)
			}
			wc := cam.Inverse()
			rv := wc.Rotation.Rvec()
			cases = append(cases, map[string]any{"op": "project", "model": in.Model, "K": kRows(in), "D": in.D,
				"rvec": rv, "tvec": []float64{wc.X, wc.Y, wc.Z}, "points": pts3(j.world)})
			jobs = append(jobs, j)
			_ = pose
		}
	}
	var res [][][2]float64
	oracle(t, cases, &res)
	worst := map[string]float64{}
	for i, j := range jobs {
		in := cams[j.name]
		onImage := 0
		for k, px := range j.mine {
			cv := Point2{res[i][k][0], res[i][k][1]}
			worst[j.name] = math.Max(worst[j.name], dist2(px, cv))
			if in.InImage(cv) {
				onImage++
			}
		}
		// The points were chosen to fall on the image; OpenCV agrees.
		if onImage < len(j.mine)*95/100 {
			t.Errorf("%s: only %d of %d points land on the image in OpenCV", j.name, onImage, len(j.mine))
		}
	}
	for _, name := range names(cams) {
		t.Logf("%s: largest distance to cv2's projection: %.2e px", name, worst[name])
		if worst[name] > oraclePixels {
			t.Errorf("%s: projection differs from OpenCV by %.4f px (bound %.2f)", name, worst[name], oraclePixels)
		}
	}
}

func pts3(ps []Point3) [][3]float64 {
	out := make([][3]float64, len(ps))
	for i, p := range ps {
		out[i] = [3]float64{p.X, p.Y, p.Z}
	}
	return out
}

func pts2(ps []Point2) [][2]float64 {
	out := make([][2]float64, len(ps))
	for i, p := range ps {
		out[i] = [2]float64{p.X, p.Y}
	}
	return out
}

// Random pixels across the whole image, undistorted by Intrinsics.Undistort
// and by cv2.undistortPointsIter / cv2.fisheye.undistortPoints (iterated
// to convergence); the difference is measured in pixels of the
// undistorted image (normalized coordinates times fx, fy).
func TestOracleUndistort(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 2))
	cams := cameras()
	var cases []map[string]any
	mine := map[string][]Point2{}
	for _, name := range names(cams) {
		in := cams[name]
		var pixels []Point2
		// The four corners, then random pixels.
		w, h := float64(in.Width)-1, float64(in.Height)-1
		pixels = append(pixels, Point2{0, 0}, Point2{w, 0}, Point2{0, h}, Point2{w, h})
		for range 1000 {
			pixels = append(pixels, randomPixel(rng, in))
		}
		for _, px := range pixels {
			n, ok := in.Undistort(px)
			if !ok {
				t.Fatalf("%s: pixel %v does not undistort", name, px)
			}
			mine[name] = append(mine[name], n)
		}
		cases = append(cases, map[string]any{"op": "undistort", "model": in.Model, "K": kRows(in), "D": in.D, "pixels": pts2(pixels)})
	}
	var res []struct{ Iter, Default [][2]float64 }
	oracle(t, cases, &res)
	for i, name := range names(cams) {
		in := cams[name]
		var worst, worstDefault float64
		for k, n := range mine[name] {
			d := math.Hypot((n.X-res[i].Iter[k][0])*in.K.Fx, (n.Y-res[i].Iter[k][1])*in.K.Fy)
			dd := math.Hypot((n.X-res[i].Default[k][0])*in.K.Fx, (n.Y-res[i].Default[k][1])*in.K.Fy)
			worst = math.Max(worst, d)
			worstDefault = math.Max(worstDefault, dd)
		}
		t.Logf("%s: largest distance to cv2's converged undistortion: %.2e px (to its default of 5 iterations (pinhole) / 10 (fisheye): %.2e px)",
			name, worst, worstDefault)
		if worst > oraclePixels {
			t.Errorf("%s: undistortion differs from OpenCV by %.4f px (bound %.2f)", name, worst, oraclePixels)
		}
	}
}

type pnpOracle struct {
	OK   bool
	Rvec [3]float64
	Tvec [3]float64
}

// poseError is the distance between two camera poses in metres and
// degrees.
func poseError(a, b Pose3) (metres, degrees float64) {
	return a.Translation().Sub(b.Translation()).Norm(), a.Rotation.T().Mul(b.Rotation).Angle() * 180 / math.Pi
}

// SolvePnP on synthetic scenes (ground markers seen by the tilted camera,
// and points in 3D), without noise and with 0.1 px of Gaussian pixel
// noise, against the truth and against cv2.solvePnP (SOLVEPNP_ITERATIVE).
func TestOracleSolvePnP(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 3))
	cams := cameras()
	type job struct {
		label string
		truth Pose3
		mine  PnPResult
		noisy bool
	}
	var jobs []job
	var cases []map[string]any
	for _, name := range names(cams) {
		in := cams[name]
		for _, scene := range []string{"ground", "3d"} {
			for _, noise := range []float64{0, 0.1} {
				for trial := range 3 {
					c := lookingDown(in)
					c.Extrinsics.Rotation = downForward(0.6 + 0.3*rng.Float64()).Mul(RotationFromEuler(0, 0, 0.2*rng.Float64()-0.1))
					robot := randomRobot(rng)
					cam := c.CameraPose(robot)
					var world []Point3
					var pixels []Point2
					for len(world) < 30 {
						px := randomPixel(rng, in)
						g, err := c.GroundPoint(px, robot, 0)
						if err != nil {
							continue
						}
						if scene == "3d" {
							g.Z = rng.Float64() * 0.5 // posts up to 0.5 m high
						}
						q, ok := c.Project(g, robot)
						if !ok || !in.InImage(q) {
							continue
						}
						q.X += rng.NormFloat64() * noise
						q.Y += rng.NormFloat64() * noise
						world = append(world, g)
						pixels = append(pixels, q)
					}
					res, err := SolvePnP(in, world, pixels)
					if err != nil {
						t.Fatalf("%s %s: %v", name, scene, err)
					}
					jobs = append(jobs, job{label: name + " " + scene, truth: cam, mine: res, noisy: noise > 0})
					cases = append(cases, map[string]any{"op": "solvepnp", "model": in.Model, "K": kRows(in), "D": in.D,
						"world": pts3(world), "pixels": pts2(pixels)})
					_ = trial
				}
			}
		}
	}
	var res []pnpOracle
	oracle(t, cases, &res)
	var worstM, worstD, worstCVM, worstCVD, noisyM, noisyD float64
	for i, j := range jobs {
		if !res[i].OK {
			t.Fatalf("%s: cv2.solvePnP failed", j.label)
		}
		cv := Pose3{X: res[i].Tvec[0], Y: res[i].Tvec[1], Z: res[i].Tvec[2], Rotation: RotationFromRvec(res[i].Rvec)}.Inverse()
		m, d := poseError(j.mine.Camera, j.truth)
		cm, cd := poseError(j.mine.Camera, cv)
		if m > oracleMetres || d > oracleDegrees {
			t.Errorf("%s (noise %v): pose off the truth by %.4f m, %.4f° (bound %v m, %v°)", j.label, j.noisy, m, d, oracleMetres, oracleDegrees)
		}
		if cm > oracleMetres || cd > oracleDegrees {
			t.Errorf("%s (noise %v): pose off cv2.solvePnP's by %.4f m, %.4f°", j.label, j.noisy, cm, cd)
		}
		if j.noisy {
			noisyM, noisyD = math.Max(noisyM, m), math.Max(noisyD, d)
		} else {
			worstM, worstD = math.Max(worstM, m), math.Max(worstD, d)
			if j.mine.RMS > 1e-6 {
				t.Errorf("%s: noise-free reprojection RMS %.2e px", j.label, j.mine.RMS)
			}
		}
		worstCVM, worstCVD = math.Max(worstCVM, cm), math.Max(worstCVD, cd)
	}
	t.Logf("%d resections: noise-free off the truth ≤ %.2e m, %.2e°; 0.1 px noise off the truth ≤ %.2e m, %.2e°; off cv2.solvePnP ≤ %.2e m, %.2e°",
		len(jobs), worstM, worstD, noisyM, noisyD, worstCVM, worstCVD)
}

// A calibration written by cv2.FileStorage, in YAML and in JSON, imports
// with the values written.
func TestOracleFileStorage(t *testing.T) {
	dir := t.TempDir()
	want := cameras()["pinhole5"]
	var cases []map[string]any
	for _, ext := range []string{"yaml", "json"} {
		cases = append(cases, map[string]any{"op": "filestorage", "path": filepath.Join(dir, "calib."+ext),
			"K": kRows(want), "D": want.D, "width": want.Width, "height": want.Height})
	}
	var res []map[string]any
	oracle(t, cases, &res)
	for _, ext := range []string{"yaml", "json"} {
		b, err := os.ReadFile(filepath.Join(dir, "calib."+ext))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseOpenCV(b, "")
		if err != nil {
			t.Fatalf("%s: %v\n%s", ext, err, b)
		}
		if got.Model != Pinhole || got.K != want.K || !slices.Equal(got.D, want.D) || got.Width != want.Width || got.Height != want.Height {
			t.Errorf("%s: imported %+v, want %+v", ext, got, want)
		}
	}
}

var _ = hardware.Pose{}
