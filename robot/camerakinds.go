package robot

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gorosys/rosys/camera"
	"github.com/gorosys/rosys/camera/calib"
	"github.com/gorosys/rosys/camera/simcam"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap"
)

// CameraKind is one kind of camera, registered in one place: how a
// robot.yaml cameras: entry of that kind becomes a camera.Source. The
// built-in kinds are in builtinCameraKinds; board: sim builds every
// camera with the sim kind.
type CameraKind struct {
	Kind   string
	Source func(d CameraDecl) (camera.Source, error)
}

// CameraDecl is a camera robot.yaml declares, as a CameraKind builds its
// source.
type CameraDecl struct {
	*config.Camera
	// Password is read from the environment variable PasswordEnv names;
	// it goes to the source and nowhere else.
	Password string
	Log      *zap.Logger
	// For simulated cameras: the clock, the robot's pose, and the
	// calibration stored in camera_provider (false: none yet) with the
	// function that stores one (the simulated camera's default).
	Clock          clock.Clock
	Pose           func() hardware.Pose
	Calibration    func() (calib.Calibration, bool)
	SetCalibration func(calib.Calibration) error
	// Busy is held around a simulated camera's rendering and encoding,
	// shared by every camera of the robot (see Cameras.busy).
	Busy *sync.Mutex
}

// Defaults of a simulated camera whose robot.yaml entry leaves them out.
const (
	simCameraWidth  = 640
	simCameraHeight = 480
	simCameraFPS    = 10
)

func builtinCameraKinds() []CameraKind {
	return []CameraKind{
		{Kind: string(config.CameraSim), Source: simSource},
		{Kind: string(config.CameraUSB), Source: usbSource},
		{Kind: string(config.CameraMJPEG), Source: func(d CameraDecl) (camera.Source, error) {
			return camera.NewMJPEG(camera.MJPEGOptions{URL: d.URL, Username: d.User, Password: d.Password})
		}},
		{Kind: string(config.CameraRTSP), Source: func(d CameraDecl) (camera.Source, error) {
			return camera.NewRTSP(camera.RTSPOptions{URL: d.URL, Username: d.User, Password: d.Password, FPS: d.FPS})
		}},
	}
}

// usbSource is a UVC camera through V4L2. A control robot.yaml sets turns
// its automatic mode off (V4L2's auto_exposure 1 is manual); one it
// leaves out keeps the camera's own setting.
func usbSource(d CameraDecl) (camera.Source, error) {
	ctl := map[string]int32{}
	if d.Exposure != nil {
		ctl["auto_exposure"], ctl["exposure"] = 1, int32(*d.Exposure)
	}
	if d.Gain != nil {
		ctl["gain"] = int32(*d.Gain)
	}
	if d.WhiteBalance != nil {
		ctl["auto_white_balance"], ctl["white_balance"] = 0, int32(*d.WhiteBalance)
	}
	return camera.NewV4L2(camera.V4L2Options{Device: d.Device, Width: d.Width, Height: d.Height, FPS: d.FPS, Controls: ctl})
}

// cameraKinds are the built-in kinds by name.
func cameraKinds() map[string]CameraKind {
	out := map[string]CameraKind{}
	for _, k := range builtinCameraKinds() {
		out[k.Kind] = k
	}
	return out
}

// cameraPassword reads the password of a network camera from the
// environment; a variable named but unset is an error naming it (never
// its value).
func cameraPassword(c *config.Camera) (string, error) {
	if c.PasswordEnv == "" {
		return "", nil
	}
	pw, ok := os.LookupEnv(c.PasswordEnv)
	if !ok || pw == "" {
		return "", fmt.Errorf("cameras %s: the environment variable %s (password_env) is not set", c.ID, c.PasswordEnv)
	}
	return pw, nil
}

// simMarkers are the markers every simulated camera's scene holds.
func simMarkers() []simcam.Marker { return simcam.DefaultMarkers() }

// simSource is a simulated camera. It renders through the calibration
// camera_provider holds when it starts (restored by then), or through
// simcam's default, scaled to the configured size, which it stores so
// that projection and the map use the same one from the first frame.
func simSource(d CameraDecl) (camera.Source, error) {
	return &lazySim{d: d, name: "sim " + d.ID}, nil
}

// lazySim builds its simcam.Source on the first Run, once the stored
// calibration is restored.
type lazySim struct {
	d    CameraDecl
	name string
	once sync.Once
	src  *simcam.Source
	err  error
}

func (l *lazySim) Name() string      { return l.name }
func (l *lazySim) ClockDriven() bool { return true }

func (l *lazySim) Run(ctx context.Context, emit func([]byte, time.Time)) error {
	l.once.Do(func() {
		c, ok := l.d.Calibration()
		if !ok {
			def := simcam.DefaultCalibration()
			in, err := def.Intrinsics.Scaled(l.d.Width, l.d.Height)
			if err != nil {
				// Another aspect ratio than 4:3: a distortion-free
				// camera of the same field of view.
				in = calib.Default(l.d.Width, l.d.Height, def.Intrinsics.K.Fx*float64(l.d.Width)/float64(def.Intrinsics.Width))
			}
			c = calib.Calibration{Intrinsics: in, Extrinsics: def.Extrinsics}
			if err := l.d.SetCalibration(c); err != nil {
				l.err = err
				return
			}
		}
		l.src, l.err = simcam.New(simcam.Options{Name: l.name, Calibration: c, Pose: l.d.Pose, Clock: l.d.Clock,
			FPS: float64(l.d.FPS), Markers: simMarkers()})
	})
	if l.err != nil {
		return l.err
	}
	// simcam's own Run, with every frame rendered and encoded under Busy:
	// two cameras never take two processors at once, so the control
	// loop always finds one free (Go gives a runnable goroutine no
	// priority over another; a loop that waits for a processor waits up
	// to the scheduler's 10 ms preemption).
	clk := l.d.Clock
	period := time.Duration(float64(time.Second) / float64(l.d.FPS))
	timer := clk.NewTimer()
	defer timer.Stop()
	next := clk.Now()
	for {
		if err := timer.SleepUntil(ctx, next, nil); err != nil {
			return err
		}
		now := clk.Now()
		l.d.Busy.Lock()
		b, err := l.src.Frame(l.d.Pose())
		if err == nil {
			emit(b, now)
		}
		l.d.Busy.Unlock()
		if err != nil {
			return err
		}
		next = next.Add(period)
		if !next.After(now) {
			next = now.Add(period)
		}
	}
}
