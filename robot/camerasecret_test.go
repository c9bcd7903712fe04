package robot_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys/camera/calib"
	"github.com/gorosys/rosys/internal/testtool"
	"github.com/gorosys/rosys/internal/testwait"
	"github.com/gorosys/rosys/robot"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// syncBuffer is a log sink tests can read while the robot writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mjpegCamera is a network camera: multipart MJPEG over HTTP behind Basic
// authentication.
func mjpegCamera(t *testing.T, user, password string) *httptest.Server {
	t.Helper()
	im := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range im.Pix {
		im.Pix[i] = 0x80
	}
	im.Set(3, 3, color.RGBA{255, 0, 0, 255})
	var frame bytes.Buffer
	if err := jpeg.Encode(&frame, im, nil); err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="camera"`)
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=f")
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			fmt.Fprintf(w, "--f\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", frame.Len())
			w.Write(frame.Bytes())
			if _, err := w.Write([]byte("\r\n")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// Issue 27.1: a network camera's credentials come from robot.yaml (the
// user) and the environment (the password) and are used — the camera
// answers only with them — but never written: not in camera_provider, its
// history, an export, status, /api/cameras or the log, even where an
// error of ffmpeg would echo the URL it was given with them.
func TestCameraCredentialsAreNeverWritten(t *testing.T) {
	const user, password = "camuser-Q7x", "pw-Zq81-secret"
	t.Setenv("CAM_PASSWORD", password)
	cam := mjpegCamera(t, user, password)
	rtsp := ""
	if testtool.Find(t, testtool.FFmpeg) != "" {
		// Nothing listens there: ffmpeg fails, naming the URL it has.
		rtsp = fmt.Sprintf("  - {id: gate, kind: rtsp, url: \"rtsp://127.0.0.1:1/stream\", user: %s, password_env: CAM_PASSWORD}\n", user)
	}
	data := t.TempDir()
	cfg := parseConfig(t, `name: secret
board: rpi4
http: 127.0.0.1:0
persistence: {snapshot_interval: 0s}
cameras:
  - {id: mast, kind: mjpeg, url: "`+cam.URL+`/video.mjpg", user: `+user+`, password_env: CAM_PASSWORD}
`+rtsp)
	var logs syncBuffer
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&logs), zap.DebugLevel))
	r, err := robot.New(cfg, robot.Options{DataDir: data, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, r)
	mast, _ := r.Cameras.Camera("mast")
	testwait.Until(t, "the camera to deliver frames with the credentials", func() bool { return mast.Status().Frames >= 3 })
	if rtsp != "" {
		gate, _ := r.Cameras.Camera("gate")
		testwait.Until(t, "ffmpeg to fail on the rtsp camera", func() bool { return gate.Status().Error != "" })
	}
	base := "http://" + r.Addr()
	// A recalibration and a recording: history versions and files.
	cal, err := json.Marshal(calib.Calibration{Intrinsics: calib.Default(64, 48, 50),
		Extrinsics: calib.Pose3{Z: 1, Rotation: calib.RotationFromEuler(math.Pi, 0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, base+"/api/modules/camera_provider?sync=1",
		strings.NewReader(`{"cameras": {"mast": {"calibration": `+string(cal)+`}}}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("recalibrate: %d %s", resp.StatusCode, b)
	}
	var ground struct{ Points [][3]float64 }
	post(t, base+"/api/cameras/mast/project", `{"pixels": [[32, 40]]}`, http.StatusOK, &ground) // calibrated now
	post(t, base+"/api/cameras/mast/record", ``, http.StatusOK, nil)
	for _, path := range []string{"/api/status", "/api/cameras", "/api/modules", "/api/modules/camera_provider", "/api/modules/camera_provider/history", "/api/export", "/api/export?format=rosys-json"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		for _, secret := range []string{password, user} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("GET %s holds %q", path, secret)
			}
		}
		if path == "/api/cameras" && !bytes.Contains(b, []byte(`"mast"`)) {
			t.Fatalf("/api/cameras: %s", b)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	files := 0
	if err := filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, secret := range []string{password, user} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %q", p, secret)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	provider, err := os.ReadFile(filepath.Join(data, "camera_provider.json"))
	if err != nil || !strings.Contains(string(provider), `"mast"`) || files < 3 {
		t.Fatalf("camera_provider.json %s (%v), %d files walked", provider, err, files)
	}
	if l := logs.String(); strings.Contains(l, password) || strings.Contains(l, user) || l == "" {
		t.Errorf("the log holds a credential (or is empty):\n%s", l)
	}
}
