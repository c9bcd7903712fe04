package calib

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gorosys/rosys/hardware"
)

// Distort ∘ Undistort is the identity on every camera, across the image.
func TestUndistortRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for name, in := range cameras() {
		worst := 0.0
		for range 2000 {
			px := randomPixel(rng, in)
			n, ok := in.Undistort(px)
			if !ok {
				t.Fatalf("%s: %v does not undistort", name, px)
			}
			worst = math.Max(worst, dist2(in.Distort(n), px))
		}
		if worst > 1e-6 {
			t.Errorf("%s: distort(undistort(px)) off by %.2e px", name, worst)
		}
	}
}

// A pixel mapped to the ground and projected back lands on itself, and the
// ground point is on the plane asked for, at the robot's pose.
func TestGroundPointRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, in := range cameras() {
		c := lookingDown(in)
		for range 200 {
			robot := randomRobot(rng)
			px := randomPixel(rng, in)
			h := rng.Float64()*0.4 - 0.2
			g, err := c.GroundPoint(px, robot, h)
			if errors.Is(err, ErrNoGroundPoint) {
				// The fisheye's upper corners look above the horizon.
				if _, d, _ := c.Ray(px, robot); d.Z < 0 {
					t.Fatalf("%s: %v looks down (%v) but has no ground point", name, px, d)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if g.Z != h {
				t.Fatalf("%s: ground point at z=%v, want %v", name, g.Z, h)
			}
			back, ok := c.Project(g, robot)
			if !ok || dist2(back, px) > 1e-6 {
				t.Fatalf("%s: %v → %v → %v", name, px, g, back)
			}
		}
	}
}

// The ground point of the image centre of a camera looking straight down
// from 1 m, 0.5 m ahead of a robot at (2, 3) facing +y, is (2, 3.5):
// extrinsics and robot pose compose as the package doc says.
func TestGroundPointKnownGeometry(t *testing.T) {
	c := Calibration{Intrinsics: Default(800, 600, 570),
		Extrinsics: Pose3{X: 0.5, Z: 1, Rotation: RotationFromEuler(math.Pi, 0, 0)}}
	robot := hardware.Pose{X: 2, Y: 3, Yaw: math.Pi / 2}
	g, err := c.GroundPoint(Point2{400, 300}, robot, 0)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(g.X-2) > 1e-12 || math.Abs(g.Y-3.5) > 1e-12 {
		t.Errorf("centre pixel on the ground at %+v, want (2, 3.5)", g)
	}
	// Roll π: the image's x is the robot's x, its y the robot's −y. A
	// pixel 57 px right of the centre looks 0.1 m along the robot's x,
	// which is the world's +y at yaw 90°.
	g, err = c.GroundPoint(Point2{457, 300}, robot, 0)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(g.X-2) > 1e-12 || math.Abs(g.Y-3.6) > 1e-12 {
		t.Errorf("pixel right of centre on the ground at %+v, want (2, 3.6)", g)
	}
	// 0.1 m above the ground: 10 % closer to the camera's foot.
	g, _ = c.GroundPoint(Point2{457, 300}, robot, 0.1)
	if math.Abs(g.Y-3.59) > 1e-12 {
		t.Errorf("at z=0.1: %+v, want y 3.59", g)
	}
}

// A camera looking at the horizon: the upper half of the image has no
// ground point, and says so.
func TestGroundPointAboveHorizon(t *testing.T) {
	c := Calibration{Intrinsics: Default(800, 600, 570), Extrinsics: Pose3{Z: 1, Rotation: downForward(0)}}
	if _, err := c.GroundPoint(Point2{400, 100}, hardware.Pose{}, 0); !errors.Is(err, ErrNoGroundPoint) {
		t.Errorf("above the horizon: %v, want ErrNoGroundPoint", err)
	}
	if g, err := c.GroundPoint(Point2{400, 500}, hardware.Pose{}, 0); err != nil || !(g.X > 0) {
		t.Errorf("below the horizon: %+v, %v", g, err)
	}
	// A point behind the camera has no pixel.
	if _, ok := c.Project(Point3{-1, 0, 0}, hardware.Pose{}); ok {
		t.Error("a point behind the camera projected")
	}
}

// A pixel past the fold of a strong barrel distortion has no undistorted
// point and is refused, not mapped somewhere.
func TestUndistortRefusesPastTheFold(t *testing.T) {
	in := Intrinsics{Model: Pinhole, K: CameraMatrix{Fx: 500, Fy: 500, Cx: 640, Cy: 400}, D: []float64{-0.5, 0, 0, 0, 0}, Width: 1280, Height: 800}
	// r·(1 − 0.5 r²) peaks at r = 0.816, distorted radius 0.544 (272 px).
	if _, ok := in.Undistort(Point2{640 + 300, 400}); ok {
		t.Error("a pixel beyond the distortion's range undistorted")
	}
	if _, ok := in.Undistort(Point2{640 + 250, 400}); !ok {
		t.Error("a pixel inside the range did not undistort")
	}
	c := Calibration{Intrinsics: in, Extrinsics: Pose3{Z: 1, Rotation: RotationFromEuler(math.Pi, 0, 0)}}
	if _, err := c.GroundPoint(Point2{640 + 300, 400}, hardware.Pose{}, 0); !errors.Is(err, ErrUndistort) {
		t.Errorf("ground point past the fold: %v, want ErrUndistort", err)
	}
}

func TestRotationConversions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	for range 1000 {
		roll, pitch, yaw := rng.Float64()*6-3, rng.Float64()*3-1.5, rng.Float64()*6-3
		r := RotationFromEuler(roll, pitch, yaw)
		if err := r.Check(); err != nil {
			t.Fatal(err)
		}
		a, b, c := r.Euler()
		if math.Abs(a-roll)+math.Abs(b-pitch)+math.Abs(c-yaw) > 1e-9 {
			t.Fatalf("euler %v %v %v → %v %v %v", roll, pitch, yaw, a, b, c)
		}
		back := RotationFromRvec(r.Rvec())
		if d := r.T().Mul(back).Angle(); d > 1e-7 {
			t.Fatalf("rvec round trip off by %v rad", d)
		}
	}
	// Near and at π, where the rotation vector's axis comes from the
	// diagonal.
	for _, v := range [][3]float64{{math.Pi, 0, 0}, {0, math.Pi, 0}, {0, 0, math.Pi}, {1, -1, 1}} {
		n := math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2])
		for i := range v {
			v[i] *= (math.Pi - 1e-9) / n
		}
		r := RotationFromRvec(v)
		if d := r.T().Mul(RotationFromRvec(r.Rvec())).Angle(); d > 1e-6 {
			t.Errorf("rvec %v: round trip off by %v rad", v, d)
		}
	}
	// A rotation about z by yaw turns x to (cos, sin).
	p := RotationFromEuler(0, 0, math.Pi/2).Apply(Point3{1, 0, 0})
	if math.Abs(p.X) > 1e-15 || math.Abs(p.Y-1) > 1e-15 {
		t.Errorf("yaw 90° turns x to %+v", p)
	}
	if err := (Rotation{{1, 0, 0}, {0, 1, 0}, {0, 0, -1}}).Check(); err == nil {
		t.Error("a reflection passed as a rotation")
	}
	if err := (Rotation{{2, 0, 0}, {0, 1, 0}, {0, 0, 1}}).Check(); err == nil {
		t.Error("a scaling passed as a rotation")
	}
}

func TestPoseComposition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 4))
	a := Pose3{X: 1, Y: 2, Z: 3, Rotation: RotationFromEuler(0.1, 0.2, 0.3)}
	b := Pose3{X: -1, Y: 0.5, Z: 0, Rotation: RotationFromEuler(-0.4, 0.1, 2)}
	for range 100 {
		p := Point3{rng.Float64(), rng.Float64(), rng.Float64()}
		if d := a.Mul(b).Apply(p).Sub(a.Apply(b.Apply(p))).Norm(); d > 1e-12 {
			t.Fatalf("(a∘b)(p) ≠ a(b(p)) by %v", d)
		}
		if d := a.Inverse().Apply(a.Apply(p)).Sub(p).Norm(); d > 1e-12 {
			t.Fatalf("a⁻¹(a(p)) ≠ p by %v", d)
		}
	}
}

// The JSON is RoSys's shape, reads back to the same calibration, and reads
// a file RoSys wrote (dataclasses-json: omnidir_params, _frame_id).
func TestCalibrationJSON(t *testing.T) {
	c := lookingDown(cameras()["pinhole5"])
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"intrinsics":{"model":"pinhole","matrix":[[910.4,0,643.2],[0,908.1,362.7],[0,0,1]]`,
		`"distortion":[-0.281,0.072,0.0011,-0.0006,-0.0081]`, `"size":{"width":1280,"height":720}`,
		`"extrinsics":{"_frame_id":null,"x":0.3,"y":0,"z":1.2,"rotation":{"R":[[`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	var back Calibration
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if string(b) != string(b2) {
		t.Errorf("round trip:\n%s\n%s", b, b2)
	}
	rosys := `{"intrinsics": {"model": "fisheye", "matrix": [[600.0, 0.0, 640.0], [0.0, 600.0, 400.0], [0.0, 0.0, 1.0]],
		"distortion": [0.1, 0.01, -0.01, 0.001], "omnidir_params": {"xi": 0.0, "rotation": {"R": [[1,0,0],[0,1,0],[0,0,1]]}},
		"size": {"width": 1280, "height": 800}},
		"extrinsics": {"_frame_id": "robot", "x": 0.1, "y": 0.0, "z": 1.0, "rotation": {"R": [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]]}}}`
	var r Calibration
	if err := json.Unmarshal([]byte(rosys), &r); err != nil {
		t.Fatal(err)
	}
	if r.Intrinsics.Model != Fisheye || r.Intrinsics.K.Fx != 600 || r.Intrinsics.Height != 800 || r.Extrinsics.X != 0.1 || r.Extrinsics.Rotation[2][2] != -1 {
		t.Errorf("RoSys file read as %+v", r)
	}
	for _, bad := range []struct{ json, want string }{
		{`{"intrinsics": {"model": "omnidirectional", "matrix": [[1,0,0],[0,1,0],[0,0,1]], "distortion": [], "size": {"width": 1, "height": 1}}}`, "not supported"},
		{`{"intrinsics": {"model": "pinhole", "matrix": [[1,0,0],[0,1,0],[0,0,1]], "distortion": [1,2,3], "size": {"width": 1, "height": 1}}}`, "3 coefficients"},
		{`{"intrinsics": {"model": "pinhole", "matrix": [[1,0,0],[0,1,0],[0,0,2]], "distortion": [], "size": {"width": 1, "height": 1}}}`, "not of the form"},
		{`{"intrinsics": {"model": "pinhole", "matrix": [[0,0,0],[0,1,0],[0,0,1]], "distortion": [], "size": {"width": 1, "height": 1}}}`, "must be positive"},
		{`{"intrinsics": {"model": "pinhole", "matrix": [[1,0,0],[0,1,0],[0,0,1]], "distortion": [], "size": {"width": 0, "height": 1}}}`, "image size"},
		{`{"intrinsics": {"model": "pinhole", "matrix": [[1,0,0],[0,1,0],[0,0,1]], "distortion": [], "size": {"width": 1, "height": 1}}, "extrinsics": {"rotation": {"R": [[2,0,0],[0,1,0],[0,0,1]]}}}`, "orthonormal"},
		{`{"extrinsics": {"x": 1}}`, "no intrinsics"},
		{`{"intrinsics": {"model": "fisheye", "matrix": [[1,0,0],[0,1,0],[0,0,1]], "distortion": [1,2,3,4,5], "size": {"width": 1, "height": 1}}}`, "fisheye distortion has 5"},
	} {
		var c Calibration
		err := json.Unmarshal([]byte(bad.json), &c)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: error %v, want one saying %q", bad.json, err, bad.want)
		}
	}
}

// A calibration made at another size is refused, never applied; Scaled
// makes one for a scaled mode and keeps projections consistent.
func TestValidAndScaled(t *testing.T) {
	c := lookingDown(cameras()["pinhole5"])
	if err := c.Valid(1280, 720); err != nil {
		t.Fatal(err)
	}
	err := c.Valid(640, 480)
	if !errors.Is(err, ErrResolution) || !strings.Contains(err.Error(), "1280×720") || !strings.Contains(err.Error(), "640×480") {
		t.Errorf("Valid at another size: %v", err)
	}
	half, err := c.Intrinsics.Scaled(640, 360)
	if err != nil {
		t.Fatal(err)
	}
	if half.Valid(640, 360) != nil || half.K.Fx != 455.2 || half.K.Cx != (643.2+0.5)/2-0.5 {
		t.Errorf("scaled: %+v", half)
	}
	// The same ray lands on the same place of the scaled image: pixel
	// centre (u+½)/2 − ½.
	robot := hardware.Pose{X: 1}
	p := Point3{3, 0.4, 0}
	full, _ := c.Project(p, robot)
	hc := Calibration{Intrinsics: half, Extrinsics: c.Extrinsics}
	small, _ := hc.Project(p, robot)
	if dist2(small, Point2{(full.X+0.5)/2 - 0.5, (full.Y+0.5)/2 - 0.5}) > 1e-9 {
		t.Errorf("full %v, half %v", full, small)
	}
	if _, err := c.Intrinsics.Scaled(640, 480); err == nil || !strings.Contains(err.Error(), "aspect ratio") {
		t.Errorf("a crop scaled: %v", err)
	}
	if half.D[0] = 7; c.Intrinsics.D[0] == 7 {
		t.Error("Scaled shares the distortion slice")
	}
}

func TestSolvePnPRefuses(t *testing.T) {
	in := cameras()["ideal"]
	four := []Point3{{1, 0, 0}, {2, 0, 0}, {3, 0, 0}, {4, 0, 0}}
	px := []Point2{{1, 1}, {2, 2}, {3, 3}, {4, 4}}
	for _, tc := range []struct {
		world []Point3
		px    []Point2
		want  string
	}{
		{four[:3], px[:3], "3 points"},
		{four, px[:3], "4 world points but 3 pixels"},
		{four, px, "on a line"},
		{[]Point3{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, px, "not on a plane"},
		{[]Point3{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {math.NaN(), 0, 1}}, px, "not finite"},
	} {
		_, err := SolvePnP(in, tc.world, tc.px)
		if !errors.Is(err, ErrPnP) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.world, err, tc.want)
		}
	}
}

// Four ground markers are enough (the minimum the API accepts) for an
// exact pose without noise.
func TestSolvePnPFourPoints(t *testing.T) {
	in := cameras()["pinhole5"]
	c := lookingDown(in)
	robot := hardware.Pose{X: 1, Y: -2, Yaw: 0.7}
	var world []Point3
	var px []Point2
	for _, q := range []Point2{{200, 150}, {1000, 200}, {300, 600}, {1100, 650}} {
		g, err := c.GroundPoint(q, robot, 0)
		if err != nil {
			t.Fatal(err)
		}
		world = append(world, g)
		px = append(px, q)
	}
	res, err := SolvePnP(in, world, px)
	if err != nil {
		t.Fatal(err)
	}
	m, d := poseError(res.Camera, c.CameraPose(robot))
	if m > 1e-6 || d > 1e-4 {
		t.Errorf("four points: off by %v m, %v°", m, d)
	}
	// Back to the extrinsics the scene was made with.
	m, d = poseError(res.Extrinsics(robot), c.Extrinsics)
	if m > 1e-6 || d > 1e-4 {
		t.Errorf("extrinsics off by %v m, %v°", m, d)
	}
}

// LookingForward(π/2) looks straight down with the image's top ahead:
// the same as roll π turned by −90° about z.
func TestLookingForward(t *testing.T) {
	r := LookingForward(math.Pi / 2)
	if d := r.Apply(Point3{0, 0, 1}).Sub(Point3{0, 0, -1}).Norm(); d > 1e-15 {
		t.Errorf("optical axis %v", r.Apply(Point3{0, 0, 1}))
	}
	if d := r.Apply(Point3{0, -1, 0}).Sub(Point3{1, 0, 0}).Norm(); d > 1e-15 {
		t.Errorf("image up is %v, want ahead", r.Apply(Point3{0, -1, 0}))
	}
	if err := LookingForward(0.3).Check(); err != nil {
		t.Error(err)
	}
}

// The footprint of a camera looking straight down is the rectangle the
// image's corners see; of one looking at the horizon, its far edge is
// drawn at the range asked for.
func TestFootprint(t *testing.T) {
	c := Calibration{Intrinsics: Default(801, 601, 400), Extrinsics: Pose3{Z: 2, Rotation: LookingForward(math.Pi / 2)}}
	robot := hardware.Pose{X: 5, Y: 1}
	fp, err := c.Footprint(robot, 4, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(fp) != 16 {
		t.Fatalf("%d points", len(fp))
	}
	// The top-left pixel (0, 0) is 400.5 px left of and 300.5 px above
	// the principal point (400.5, 300.5) of Default(801, 601): on the
	// ground 2 m below, ahead (+x, the image's top) by 300.5/400·2 m and
	// left (+y) by 400.5/400·2 m of the camera.
	want := Point3{5 + 300.5/400*2, 1 + 400.5/400*2, 0}
	if fp[0].Sub(want).Norm() > 1e-9 {
		t.Errorf("first point %v, want %v", fp[0], want)
	}
	c.Extrinsics.Rotation = LookingForward(0)
	fp, err = c.Footprint(robot, 8, 30)
	if err != nil {
		t.Fatal(err)
	}
	far := 0
	for _, p := range fp {
		d := math.Hypot(p.X-5, p.Y-1)
		if d > 30+1e-9 {
			t.Errorf("point %v beyond the range", p)
		}
		if math.Abs(d-30) < 1e-9 {
			far++
		}
	}
	if far < 8 {
		t.Errorf("only %d points on the range for a camera looking at the horizon", far)
	}
	if _, err := c.Footprint(robot, 0, 30); err == nil {
		t.Error("0 steps accepted")
	}
}

// Projecting and mapping to the ground allocate nothing: they may run for
// every pixel of a detection or every frame.
func TestNoAllocations(t *testing.T) {
	c := lookingDown(cameras()["rational12"])
	robot := hardware.Pose{X: 1, Yaw: 0.3}
	n := testing.AllocsPerRun(100, func() {
		g, err := c.GroundPoint(Point2{300, 500}, robot, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Project(g, robot); !ok {
			t.Fatal("not projected")
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per GroundPoint+Project", n)
	}
}
