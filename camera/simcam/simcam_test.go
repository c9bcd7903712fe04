package simcam

import (
	"bytes"
	"context"
	"image/jpeg"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys/camera"
	"github.com/gorosys/rosys/camera/calib"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/hardware"
)

type frame struct {
	jpeg []byte
	t    time.Time
}

// drive is a robot pose as a function of time: moving ahead along a
// slight curve, so every frame is taken from another place.
func drive(start time.Time) func(t time.Time) hardware.Pose {
	return func(t time.Time) hardware.Pose {
		s := t.Sub(start).Seconds()
		return hardware.Pose{X: -0.3 + 0.2*s, Y: 0.1 * s, Yaw: 0.05 * s, Time: t}
	}
}

// run runs the source on a virtual clock for d and returns its frames.
func run(t *testing.T, o Options, d time.Duration) (*Source, []frame, time.Time) {
	t.Helper()
	vc := clock.NewVirtual()
	start := vc.Now()
	pose := drive(start)
	o.Clock = vc
	o.Pose = func() hardware.Pose { return pose(vc.Now()) }
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var frames []frame
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	vc.Go(func() {
		done <- s.Run(ctx, func(b []byte, ft time.Time) {
			mu.Lock()
			frames = append(frames, frame{append([]byte(nil), b...), ft})
			mu.Unlock()
		})
	})
	if err := vc.Forward(d); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run ended with %v, want context.Canceled", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return s, frames, start
}

// Frames come every 1/FPS of virtual time, the first at once, timed by
// the clock.
func TestFramesOnVirtualTime(t *testing.T) {
	c := DefaultCalibration()
	in, err := c.Intrinsics.Scaled(160, 120)
	if err != nil {
		t.Fatal(err)
	}
	c.Intrinsics = in
	_, frames, start := run(t, Options{Calibration: c, FPS: 10}, time.Second)
	if len(frames) != 11 {
		t.Fatalf("%d frames in 1 s at 10 fps, want 11 (0, 0.1, …, 1.0 s)", len(frames))
	}
	for i, f := range frames {
		if want := start.Add(time.Duration(i) * 100 * time.Millisecond); !f.t.Equal(want) {
			t.Errorf("frame %d at %v, want %v", i, f.t, want)
		}
		w, h, err := camera.Size(f.jpeg)
		if err != nil || w != 160 || h != 120 {
			t.Errorf("frame %d: %d×%d, %v", i, w, h, err)
		}
	}
}

// The same poses at the same times give the same bytes (at 320×240, the
// default camera scaled, to keep the test light under -race).
func TestDeterministic(t *testing.T) {
	c := DefaultCalibration()
	in, err := c.Intrinsics.Scaled(320, 240)
	if err != nil {
		t.Fatal(err)
	}
	c.Intrinsics = in
	_, a, _ := run(t, Options{Calibration: c, FPS: 5}, 2*time.Second)
	_, b, _ := run(t, Options{Calibration: c, FPS: 5}, 2*time.Second)
	if len(a) != len(b) || len(a) != 11 {
		t.Fatalf("%d and %d frames", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i].jpeg, b[i].jpeg) || !a[i].t.Equal(b[i].t) {
			t.Fatalf("frame %d differs between two runs", i)
		}
	}
	if bytes.Equal(a[0].jpeg, a[10].jpeg) {
		t.Error("the robot moved but the first and last frames are the same")
	}
}

// The whole chain: the markers are found in the rendered JPEG by colour,
// and their centroids projected to the ground through the calibration and
// the robot's pose at the frame's time land on the markers' world
// positions.
func TestMarkersBackToTheirWorldPositions(t *testing.T) {
	fisheye := calib.Calibration{
		Intrinsics: calib.Intrinsics{Model: calib.Fisheye, K: calib.CameraMatrix{Fx: 330, Fy: 330, Cx: 399.5, Cy: 299.5},
			D: []float64{-0.013, 0.021, -0.011, 0.0021}, Width: 800, Height: 600},
		Extrinsics: calib.Pose3{X: 0.3, Y: 0.05, Z: 1.1, Rotation: calib.LookingForward(0.9)},
	}
	for name, c := range map[string]calib.Calibration{"pinhole": DefaultCalibration(), "fisheye": fisheye} {
		t.Run(name, func(t *testing.T) {
			s, frames, start := run(t, Options{Calibration: c, FPS: 2}, 3*time.Second)
			pose := drive(start)
			var worst float64
			found := 0
			for _, f := range frames {
				img, err := jpeg.Decode(bytes.NewReader(f.jpeg))
				if err != nil {
					t.Fatal(err)
				}
				robot := pose(f.t)
				seen := FindMarkers(img, s.Markers(), 30)
				visible := Visible(&c, robot, s.Markers())
				// Every marker whose centre is well inside the image is
				// found, and nothing else.
				for _, v := range visible {
					if v.Pixel.X < 30 || v.Pixel.Y < 30 || v.Pixel.X > float64(c.Intrinsics.Width-30) || v.Pixel.Y > float64(c.Intrinsics.Height-30) {
						continue
					}
					ok := false
					for _, sg := range seen {
						ok = ok || sg.Marker.ID == v.Marker.ID
					}
					if !ok {
						t.Errorf("t=%v: marker %s at %v not found", f.t.Sub(start), v.Marker.ID, v.Pixel)
					}
				}
				for _, sg := range seen {
					g, err := c.GroundPoint(sg.Pixel, robot, 0)
					if err != nil {
						t.Fatalf("%s: %v", sg.Marker.ID, err)
					}
					d := math.Hypot(g.X-sg.Marker.X, g.Y-sg.Marker.Y)
					// A disc cut by the image's edge has its centroid off
					// the centre: only whole discs count.
					whole := false
					for _, v := range visible {
						whole = whole || (v.Marker.ID == sg.Marker.ID && v.Pixel.X > 30 && v.Pixel.Y > 30 &&
							v.Pixel.X < float64(c.Intrinsics.Width-30) && v.Pixel.Y < float64(c.Intrinsics.Height-30))
					}
					if !whole {
						continue
					}
					found++
					worst = math.Max(worst, d)
					if d > 0.03 {
						t.Errorf("t=%v: marker %s seen at %.3f, %.3f, it is at %.3f, %.3f (%.1f cm off)",
							f.t.Sub(start), sg.Marker.ID, g.X, g.Y, sg.Marker.X, sg.Marker.Y, d*100)
					}
				}
			}
			if found < 10 {
				t.Errorf("only %d marker sightings in %d frames", found, len(frames))
			}
			t.Logf("%d sightings in %d frames, farthest from the marker's world position: %.1f mm", found, len(frames), worst*1000)
		})
	}
}

// A Camera (package camera) runs the source on its virtual clock.
func TestInCamera(t *testing.T) {
	vc := clock.NewVirtual()
	s, err := New(Options{Calibration: DefaultCalibration(), Clock: vc, FPS: 10})
	if err != nil {
		t.Fatal(err)
	}
	cam, err := camera.New("sim", s, camera.Options{Clock: vc})
	if err != nil {
		t.Fatal(err)
	}
	cam.Start(context.Background())
	defer cam.Close()
	if err := vc.Forward(500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	f, ok := cam.Latest()
	if !ok {
		t.Fatal("no frame")
	}
	if want := clock.VirtualStart.Add(500 * time.Millisecond); !f.Time.Equal(want) {
		t.Errorf("latest frame at %v, want %v", f.Time, want)
	}
}

func TestOptionsRefused(t *testing.T) {
	good := DefaultCalibration()
	big := good
	big.Intrinsics = calib.Default(4096, 4096, 1000)
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Calibration: good, FPS: 0.01}, "fps"},
		{Options{Calibration: good, FPS: 100}, "fps"},
		{Options{Calibration: good, Quality: 101}, "quality"},
		{Options{Calibration: big}, "pixels"},
		{Options{}, "model"},
		{Options{Calibration: good, Markers: []Marker{{ID: "a", Radius: 0.1}, {ID: "a", Radius: 0.1}}}, "used twice"},
		{Options{Calibration: good, Markers: []Marker{{ID: "a", Radius: 2}}}, "radius"},
		{Options{Calibration: good, Markers: []Marker{{ID: "a", X: math.NaN(), Radius: 0.1}}}, "not finite"},
		{Options{Calibration: good, Markers: make([]Marker, MaxMarkers+1)}, "at most"},
	} {
		_, err := New(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o.FPS, err, tc.want)
		}
	}
}
