package robot_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/camera/calib"
	"github.com/gorosys/rosys/camera/simcam"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/internal/testwait"
	"github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/rosystest"
	"go.uber.org/zap/zaptest"
)

func parseConfig(t *testing.T, yaml string) *config.Robot {
	t.Helper()
	p := filepath.Join(t.TempDir(), "robot.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func post(t *testing.T, url, body string, want int, out any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s %s: %d %s, want %d", url, body, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("POST %s: %v: %s", url, err, b)
		}
	}
}

type camerasResponse struct {
	Cameras []struct {
		ID         string       `json:"id"`
		Frames     uint64       `json:"frames"`
		Calibrated bool         `json:"calibrated"`
		Footprint  [][2]float64 `json:"footprint"`
		Detections *struct {
			Detections []struct {
				Category string  `json:"category"`
				X        float64 `json:"x"`
				Y        float64 `json:"y"`
			} `json:"detections"`
		} `json:"detections"`
	} `json:"cameras"`
	WorldPoints []struct {
		Camera   string  `json:"camera"`
		Category string  `json:"category"`
		X        float64 `json:"x"`
		Y        float64 `json:"y"`
	} `json:"world_points"`
}

// Issue 27.5: a simulated camera on virtual time, through the whole chain
// and back to the markers' world positions, by the HTTP API: the camera
// renders the markers, the simulated detector finds them in the JPEG,
// their pixels go onto the ground through the calibration in
// camera_provider and the robot's pose; the frame the API serves, with
// the markers found in it, projects back onto their positions; their
// positions project to the pixels they were found at.
func TestSimCameraBackToTheMarkersThroughTheAPI(t *testing.T) {
	clk := rosystest.NewVirtualClock()
	cfg := parseConfig(t, `name: eyes
board: sim
http: 127.0.0.1:0
cameras:
  - {id: ground, kind: sim, fps: 5, detector: {kind: sim, interval: 1s}}
`)
	r, err := robot.New(cfg, robot.Options{DataDir: t.TempDir(), Log: zaptest.NewLogger(t), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, r)
	base := "http://" + r.Addr()
	markers := simcam.DefaultMarkers()
	if err := clk.ForwardUntil(func() bool { return len(r.Cameras.Points.List("ground")) >= len(markers) }, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	var st camerasResponse
	get(t, base+"/api/cameras", &st)
	if len(st.Cameras) != 1 || !st.Cameras[0].Calibrated || len(st.Cameras[0].Footprint) < 4 || st.Cameras[0].Frames == 0 {
		t.Fatalf("cameras %+v", st.Cameras)
	}
	near := func(x, y, wx, wy, tol float64) bool { return math.Hypot(x-wx, y-wy) <= tol }
	found := map[string]bool{}
	for _, p := range st.WorldPoints {
		for _, m := range markers {
			if p.Category == m.ID {
				if !near(p.X, p.Y, m.X, m.Y, 0.02) {
					t.Errorf("marker %s detected on the ground at (%.3f, %.3f), is at (%.3f, %.3f)", m.ID, p.X, p.Y, m.X, m.Y)
				}
				found[m.ID] = true
			}
		}
	}
	if len(found) != len(markers) {
		t.Fatalf("found %v of %d markers; world points %+v", found, len(markers), st.WorldPoints)
	}
	// The frame the API serves: the markers found in it, projected back.
	resp, err := http.Get(base + "/api/cameras/ground/image.jpg")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("image: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	seen := simcam.FindMarkers(img, markers, 12)
	if len(seen) != len(markers) {
		t.Fatalf("%d markers in the served frame", len(seen))
	}
	var pixels, points []string
	for _, s := range seen {
		pixels = append(pixels, fmt.Sprintf("[%g, %g]", s.Pixel.X, s.Pixel.Y))
		points = append(points, fmt.Sprintf("[%g, %g, 0]", s.Marker.X, s.Marker.Y))
	}
	var ground struct{ Points [][3]float64 }
	post(t, base+"/api/cameras/ground/project", `{"pixels": [`+strings.Join(pixels, ",")+`]}`, http.StatusOK, &ground)
	var image struct{ Pixels [][2]float64 }
	post(t, base+"/api/cameras/ground/project", `{"points": [`+strings.Join(points, ",")+`]}`, http.StatusOK, &image)
	for i, s := range seen {
		if p := ground.Points[i]; !near(p[0], p[1], s.Marker.X, s.Marker.Y, 0.02) || p[2] != 0 {
			t.Errorf("%s: pixel (%.1f, %.1f) projects to (%.3f, %.3f, %g), the marker is at (%.3f, %.3f)",
				s.Marker.ID, s.Pixel.X, s.Pixel.Y, p[0], p[1], p[2], s.Marker.X, s.Marker.Y)
		}
		if px := image.Pixels[i]; !near(px[0], px[1], s.Pixel.X, s.Pixel.Y, 2) {
			t.Errorf("%s: the marker projects to (%.1f, %.1f), found at (%.1f, %.1f)", s.Marker.ID, px[0], px[1], s.Pixel.X, s.Pixel.Y)
		}
	}
	// ?time=: the newest frame at or before it; before the first, none.
	frameTime, _ := time.Parse(time.RFC3339Nano, resp.Header.Get("X-Frame-Time"))
	if err := clk.Forward(time.Second); err != nil {
		t.Fatal(err)
	}
	at := frameTime.Add(100 * time.Millisecond).Format(time.RFC3339Nano)
	resp, err = http.Get(base + "/api/cameras/ground/image.jpg?time=" + at)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Frame-Time"); resp.StatusCode != http.StatusOK || got != frameTime.UTC().Format(time.RFC3339Nano) {
		t.Fatalf("?time=%s: %d, frame of %s, want the frame of %s (5 fps)", at, resp.StatusCode, got, frameTime)
	}
	for _, c := range []struct {
		path string
		want int
	}{{"/api/cameras/ground/image.jpg?time=2000-01-01T00:00:00Z", 404}, {"/api/cameras/ground/image.jpg?time=yesterday", 400},
		{"/api/cameras/nope/image.jpg", 404}} {
		resp, err := http.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("GET %s: %d, want %d", c.path, resp.StatusCode, c.want)
		}
	}
	post(t, base+"/api/cameras/nope/project", `{"pixels": [[1, 2]]}`, http.StatusNotFound, nil)
	post(t, base+"/api/cameras/ground/project", `{"pixels": [[1, 2]], "points": [[1, 2, 3]]}`, http.StatusBadRequest, nil)
	post(t, base+"/api/cameras/ground/project", `{"pixels": [[1, 2]], "pixels": [[1, 2]]}`, http.StatusBadRequest, nil)
	var rec struct {
		Name  string `json:"name"`
		Bytes int    `json:"bytes"`
	}
	post(t, base+"/api/cameras/ground/record", ``, http.StatusOK, &rec)
	if b, err := os.ReadFile(filepath.Join(r.DataDir, "recordings", "ground", rec.Name)); err != nil || len(b) != rec.Bytes || rec.Bytes == 0 {
		t.Fatalf("recorded %+v: %d bytes on disk, %v", rec, len(b), err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, url, body string, want int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("PUT %s: %d %s, want %d", url, resp.StatusCode, b, want)
	}
}

// Issue 27.1: a recalibration is a history version that can be restored,
// and survives a restart; a calibration made at another resolution is
// marked invalid in /api/cameras and not applied (projection 422).
func TestRecalibrationHistoryAndResolution(t *testing.T) {
	data := t.TempDir()
	const yaml = `name: eyes
board: sim
http: 127.0.0.1:0
persistence: {snapshot_interval: 0s}
cameras:
  - {id: ground, kind: sim}
`
	r, err := robot.New(parseConfig(t, yaml), robot.Options{DataDir: data, Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, r)
	base := "http://" + r.Addr()
	calibrated := func() (bool, string) {
		var st struct {
			Cameras []struct {
				Calibrated       bool   `json:"calibrated"`
				CalibrationError string `json:"calibration_error"`
			} `json:"cameras"`
		}
		get(t, base+"/api/cameras", &st)
		return st.Cameras[0].Calibrated, st.Cameras[0].CalibrationError
	}
	testwait.Until(t, "the simulated camera to store its default calibration", func() bool { ok, _ := calibrated(); return ok })
	project := func(want int) [3]float64 {
		var out struct{ Points [][3]float64 }
		post(t, base+"/api/cameras/ground/project", `{"pixels": [[320, 400]]}`, want, &out)
		if want != http.StatusOK {
			return [3]float64{}
		}
		return out.Points[0]
	}
	p0 := project(http.StatusOK)
	calibration := func(w, h int, z float64) string {
		b, err := json.Marshal(calib.Calibration{Intrinsics: calib.Default(w, h, 500),
			Extrinsics: calib.Pose3{X: 0.3, Z: z, Rotation: calib.RotationFromEuler(math.Pi, 0, 0)}})
		if err != nil {
			t.Fatal(err)
		}
		return `{"cameras": {"ground": {"calibration": ` + string(b) + `}}}`
	}
	put(t, base+"/api/modules/camera_provider?sync=1", calibration(640, 480, 2), http.StatusOK)
	p1 := project(http.StatusOK)
	// Looking straight down from 2 m (roll π: the image's down is the
	// robot's right): pixel row 400 is 160 px below the centre, 2 m ·
	// 160/500 = 0.64 m to the right of the camera (at x 0.3, y 0).
	if math.Abs(p1[0]-0.3) > 1e-6 || math.Abs(p1[1]+0.64) > 1e-6 || p1 == p0 {
		t.Fatalf("after the recalibration the pixel lands at %v (before: %v)", p1, p0)
	}
	put(t, base+"/api/modules/camera_provider?sync=1", calibration(1280, 720, 2), http.StatusOK)
	if ok, why := calibrated(); ok || !strings.Contains(why, "resolution") || !strings.Contains(why, "1280") {
		t.Fatalf("a 1280x720 calibration on 640x480 frames: calibrated %v, %q", ok, why)
	}
	project(http.StatusUnprocessableEntity)
	var hist struct {
		Versions []struct {
			Version int `json:"version"`
		} `json:"versions"`
	}
	// Each ?sync=1 PUT is a version; the simulated camera's default
	// calibration is one only when its commit came before the first PUT
	// (otherwise the PUT's commit took its place: 3 runs in 8 list 2
	// versions). The restore below checks that the one before the newest
	// is the first PUT's.
	get(t, base+"/api/modules/camera_provider/history", &hist)
	if len(hist.Versions) < 2 {
		t.Fatalf("history %+v", hist)
	}
	before := hist.Versions[len(hist.Versions)-2].Version
	post(t, base+"/api/modules/camera_provider/restore", fmt.Sprintf(`{"version": %d}`, before), http.StatusOK, nil)
	if p := project(http.StatusOK); p != p1 {
		t.Fatalf("restored version %d projects to %v, want %v", before, p, p1)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// After a restart the restored calibration is the one in force.
	r2, err := robot.New(parseConfig(t, yaml), robot.Options{DataDir: data, Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	running(t, r2)
	base = "http://" + r2.Addr()
	if p := project(http.StatusOK); p != p1 {
		t.Fatalf("after a restart the pixel lands at %v, want %v", p, p1)
	}
}

// Issue 27.3: a camera's frames go to a Learning Loop detector node (its
// REST API: POST /detect, the image as the form file "file", the camera
// in camera-id); what the node finds lands on the ground where the
// projection puts its pixel, and in /api/cameras.
func TestLearningLoopDetectionsOnTheGround(t *testing.T) {
	type got struct {
		camera string
		jpeg   bool
	}
	calls := make(chan got, 100)
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, _, err := r.FormFile("file")
		if r.URL.Path != "/detect" || err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(f)
		select {
		case calls <- got{r.Header.Get("camera-id"), len(b) > 2 && b[0] == 0xff && b[1] == 0xd8}:
		default:
		}
		fmt.Fprint(w, `{"box_detections": [{"category_name": "weed", "x": 300, "y": 380, "width": 40, "height": 40, "model_name": "m", "confidence": 0.7}],
			"point_detections": [{"category_name": "crop", "x": 100, "y": 300, "model_name": "m", "confidence": 0.9}]}`)
	}))
	defer node.Close()
	r, err := robot.New(parseConfig(t, `name: eyes
board: sim
http: 127.0.0.1:0
cameras:
  - {id: ground, kind: sim, detector: {kind: learning_loop, url: "`+node.URL+`", interval: 100ms}}
`), robot.Options{DataDir: t.TempDir(), Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	running(t, r)
	base := "http://" + r.Addr()
	call := testwait.For(t, calls, "the detector node to be asked", func(g got) bool { return true })
	if call.camera != "ground" || !call.jpeg {
		t.Fatalf("the node got camera %q, a JPEG: %v", call.camera, call.jpeg)
	}
	testwait.Until(t, "detections on the ground", func() bool { return len(r.Cameras.Points.List("ground")) >= 2 })
	var want struct{ Points [][3]float64 }
	post(t, base+"/api/cameras/ground/project", `{"pixels": [[320, 400], [100, 300]]}`, http.StatusOK, &want) // the box's centre, the point
	var st camerasResponse
	get(t, base+"/api/cameras", &st)
	byName := map[string][2]float64{}
	for _, p := range st.WorldPoints {
		byName[p.Category] = [2]float64{p.X, p.Y}
	}
	for i, name := range []string{"weed", "crop"} {
		p, ok := byName[name]
		if !ok || math.Hypot(p[0]-want.Points[i][0], p[1]-want.Points[i][1]) > 1e-6 {
			t.Fatalf("%s on the ground at %v (found %v), its pixel projects to %v", name, p, ok, want.Points[i])
		}
	}
	if d := st.Cameras[0].Detections; d == nil || len(d.Detections) != 2 || d.Detections[0].Category != "weed" {
		t.Fatalf("detections in pixels %+v", d)
	}
}
