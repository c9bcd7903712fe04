package robot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/camera"
	"github.com/gorosys/rosys/camera/calib"
	"github.com/gorosys/rosys/camera/detect"
	"github.com/gorosys/rosys/camera/provider"
	"github.com/gorosys/rosys/camera/record"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/ui"
	"go.uber.org/zap"
)

// Cameras are the robot's cameras (robot.yaml's cameras:), their module
// camera_provider, recorders and detectors. It is one runtime module
// ("cameras"): Start starts every camera's capture, recording and
// detection on goroutines of their own, Stop ends them. Nothing of it is
// a Stepper: the control loop never sees a frame.
type Cameras struct {
	Provider *provider.Provider
	Points   *detect.Points // detections on the ground, all cameras

	list    []*robotCamera
	byID    map[string]*robotCamera
	clock   clock.Clock
	pose    func() hardware.Pose
	poseAt  func(time.Time) (hardware.Pose, bool)
	secrets []string // users and passwords, redacted from every status string
	log     *zap.Logger

	// busy serialises the cameras' heavy work (rendering and encoding a
	// simulated frame, decoding one for the simulated detector), so that
	// it takes one processor at most and the control loop's is never
	// taken by a camera.
	busy sync.Mutex

	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type robotCamera struct {
	cfg      config.Camera
	kind     string // the kind it runs as (sim under board: sim)
	cam      *camera.Camera
	rec      *record.Recorder
	interval time.Duration
	det      *detect.Runner
}

// cameraEnv is what building the cameras needs of the robot.
type cameraEnv struct {
	cfg     *config.Robot
	dataDir string
	clock   clock.Clock
	pose    func() hardware.Pose
	poseAt  func(time.Time) (hardware.Pose, bool)
	// simPose is where a simulated camera renders the world from: the
	// simulated robot's true pose (the estimate's error is what the
	// detections then show), else the estimate.
	simPose func() hardware.Pose
	log     *zap.Logger
}

// newCameras builds robot.yaml's cameras; none are started.
func newCameras(env cameraEnv) (*Cameras, error) {
	kinds := cameraKinds()
	cs := &Cameras{Points: detect.NewPoints(0), byID: map[string]*robotCamera{}, clock: env.clock, pose: env.pose, poseAt: env.poseAt,
		log: env.log.Named("cameras")}
	var settings []provider.Settings
	for i := range env.cfg.Cameras {
		c := env.cfg.Cameras[i]
		if c.Kind == config.CameraSim || env.cfg.Board == "sim" {
			if c.Width == 0 {
				c.Width, c.Height = simCameraWidth, simCameraHeight
			}
			if c.FPS == 0 {
				c.FPS = simCameraFPS
			}
		}
		settings = append(settings, provider.Settings{ID: c.ID, Kind: string(c.Kind), Device: c.Device, URL: c.URL,
			Width: c.Width, Height: c.Height, FPS: c.FPS, Exposure: c.Exposure, Gain: c.Gain, WhiteBalance: c.WhiteBalance})
		cs.list = append(cs.list, &robotCamera{cfg: c})
	}
	cs.Provider = provider.New(settings)
	for _, rc := range cs.list {
		c := &rc.cfg
		rc.kind = string(c.Kind)
		if env.cfg.Board == "sim" {
			rc.kind = string(config.CameraSim)
		}
		kind, ok := kinds[rc.kind]
		if !ok {
			return nil, fmt.Errorf("cameras %s: kind %s is not built into this program", c.ID, rc.kind)
		}
		pw := ""
		if rc.kind != string(config.CameraSim) {
			var err error
			if pw, err = cameraPassword(c); err != nil {
				return nil, err
			}
			if pw != "" {
				cs.secrets = append(cs.secrets, pw)
			}
			if c.User != "" {
				cs.secrets = append(cs.secrets, c.User)
			}
		}
		id := c.ID
		src, err := kind.Source(CameraDecl{Camera: c, Password: pw, Log: cs.log.With(zap.String("camera", id)), Clock: env.clock, Pose: env.simPose,
			Calibration: func() (calib.Calibration, bool) {
				cal, err := cs.Provider.Applicable(id, c.Width, c.Height)
				return cal, err == nil
			},
			SetCalibration: func(cal calib.Calibration) error { return cs.Provider.SetCalibration(id, &cal) }, Busy: &cs.busy})
		if err != nil {
			return nil, fmt.Errorf("cameras %s: %w", id, err)
		}
		cam, err := camera.New(id, src, camera.Options{Clock: env.clock})
		if err != nil {
			return nil, fmt.Errorf("cameras %s: %w", id, err)
		}
		rc.cam = cam
		recCfg := record.Config{Dir: filepath.Join(env.dataDir, "recordings", id), Now: env.clock.Now}
		if r := c.Record; r != nil {
			recCfg.Keep, recCfg.MaxBytes, recCfg.MaxAge = r.Keep, int64(r.MaxBytes), r.MaxAge.D()
			rc.interval = r.Interval.D()
		}
		if rc.rec, err = record.Open(recCfg); err != nil {
			return nil, fmt.Errorf("cameras %s: %w", id, err)
		}
		if d := c.Detector; d != nil {
			if rc.det, err = cs.detector(rc, d); err != nil {
				return nil, fmt.Errorf("cameras %s: %w", id, err)
			}
		}
		cs.byID[id] = rc
	}
	return cs, nil
}

// addCameras adds robot.yaml's cameras to the robot: the persistent
// module camera_provider and the module "cameras".
func (r *Robot) addCameras(cfg *config.Robot, dataDir string, log *zap.Logger) error {
	env := cameraEnv{cfg: cfg, dataDir: dataDir, clock: r.Runtime.Clock(), pose: r.Pose.Pose, poseAt: r.fusedPoseAt, simPose: r.Pose.Pose, log: log}
	if r.SimWheels != nil {
		env.simPose = r.SimWheels.TruePose
	}
	cs, err := newCameras(env)
	if err != nil {
		return err
	}
	if err := r.Runtime.Add(provider.Key, cs.Provider, rosys.Persist()); err != nil {
		return err
	}
	if err := r.Runtime.Add("cameras", cs, rosys.DependsOn(provider.Key)); err != nil {
		return err
	}
	r.Cameras = cs
	return nil
}

// detector builds a camera's detection runner.
func (cs *Cameras) detector(rc *robotCamera, d *config.CameraDetector) (*detect.Runner, error) {
	id := rc.cfg.ID
	run := &detect.Runner{Camera: id, Kind: d.Kind, Points: cs.Points, Interval: d.Interval.D(), Timeout: d.Timeout.D(),
		Latest: func(buf []byte) (detect.Image, bool) {
			f := camera.Frame{JPEG: buf}
			if !rc.cam.LatestInto(&f) {
				return detect.Image{JPEG: f.JPEG}, false
			}
			return detect.Image{Camera: id, Time: f.Time, JPEG: f.JPEG, Width: f.Width, Height: f.Height}, true
		},
		Ground: func(t time.Time, u, v float64) (float64, float64, bool) {
			p, err := cs.ground(id, t, [2]float64{u, v})
			return p[0], p[1], err == nil
		},
	}
	switch d.Kind {
	case config.DetectorSim:
		run.Detector = busyDetector{mu: &cs.busy, d: &detect.SimImage{Markers: simMarkers()}}
	case config.DetectorLearningLoop:
		ll, err := detect.NewLearningLoop(d.URL, d.Timeout.D())
		if err != nil {
			return nil, err
		}
		run.Detector = ll
	default:
		return nil, fmt.Errorf("detector kind %q", d.Kind)
	}
	return run, nil
}

// busyDetector runs a detector that only computes (decoding, finding)
// under the cameras' busy lock.
type busyDetector struct {
	mu *sync.Mutex
	d  detect.Detector
}

func (b busyDetector) Detect(ctx context.Context, img detect.Image) ([]detect.Detection, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.d.Detect(ctx, img)
}

// Start implements rosys.Starter: every camera captures, records on its
// interval and detects, each on goroutines of its own.
func (cs *Cameras) Start(context.Context) error {
	ctx, cancel := context.WithCancel(context.Background())
	cs.mu.Lock()
	cs.cancel = cancel
	cs.mu.Unlock()
	for _, rc := range cs.list {
		rc.cam.Start(ctx)
		if rc.interval > 0 {
			cs.goClock(rc.rec.Run, ctx, rc)
		}
		if rc.det != nil {
			det := rc.det
			if _, remote := det.Detector.(*detect.LearningLoop); remote {
				// Blocks on the network: not a clock-driven goroutine.
				cs.wg.Add(1)
				go func() { defer cs.wg.Done(); det.Run(ctx, cs.clock) }()
			} else {
				cs.wg.Add(1)
				cs.clock.Go(func() { defer cs.wg.Done(); det.Run(ctx, cs.clock) })
			}
		}
	}
	return nil
}

func (cs *Cameras) goClock(run func(context.Context, clock.Clock, time.Duration, record.Latest), ctx context.Context, rc *robotCamera) {
	var f camera.Frame
	latest := func() ([]byte, time.Time, bool) {
		if !rc.cam.LatestInto(&f) {
			return nil, time.Time{}, false
		}
		return f.JPEG, f.Time, true
	}
	cs.wg.Add(1)
	cs.clock.Go(func() { defer cs.wg.Done(); run(ctx, cs.clock, rc.interval, latest) })
}

// Stop implements rosys.Stopper.
func (cs *Cameras) Stop(ctx context.Context) error {
	cs.mu.Lock()
	cancel := cs.cancel
	cs.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	var errs []error
	for _, rc := range cs.list {
		if err := rc.cam.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	done := make(chan struct{})
	go func() { cs.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}

// Camera returns a camera by id.
func (cs *Cameras) Camera(id string) (*camera.Camera, bool) {
	rc, ok := cs.byID[id]
	if !ok {
		return nil, false
	}
	return rc.cam, true
}

// size is the frames' size of a camera: its newest frame's, else the
// configured one.
func (rc *robotCamera) size() (int, int) {
	if st := rc.cam.Status(); st.Width > 0 {
		return st.Width, st.Height
	}
	return rc.cfg.Width, rc.cfg.Height
}

// calibration is the camera's calibration when it applies to its frames.
func (cs *Cameras) calibration(id string) (*robotCamera, calib.Calibration, error) {
	rc, ok := cs.byID[id]
	if !ok {
		return nil, calib.Calibration{}, fmt.Errorf("%w %q", ui.ErrCameraUnknown, id)
	}
	w, h := rc.size()
	if w == 0 {
		return rc, calib.Calibration{}, fmt.Errorf("%w: %s has no frame yet and robot.yaml gives no width and height", ui.ErrCameraUncalibrated, id)
	}
	c, err := cs.Provider.Applicable(id, w, h)
	if err != nil {
		return rc, c, fmt.Errorf("%w: %v", ui.ErrCameraUncalibrated, err)
	}
	return rc, c, nil
}

// robotPose is the robot's pose at t (the frame's time), or now when the
// odometry holds no pose that old.
func (cs *Cameras) robotPose(t time.Time) hardware.Pose {
	if !t.IsZero() && cs.poseAt != nil {
		if p, ok := cs.poseAt(t); ok {
			return p
		}
	}
	return cs.pose()
}

// ground maps one pixel of camera id's image at t to the ground.
func (cs *Cameras) ground(id string, t time.Time, px [2]float64) ([3]float64, error) {
	_, c, err := cs.calibration(id)
	if err != nil {
		return [3]float64{}, err
	}
	p, err := c.GroundPoint(calib.Point2{X: px[0], Y: px[1]}, cs.robotPose(t), 0)
	if err != nil {
		return [3]float64{math.NaN(), math.NaN(), math.NaN()}, err
	}
	return [3]float64{p.X, p.Y, p.Z}, nil
}

// API is what the HTTP API serves of the cameras.
func (cs *Cameras) API() ui.Cameras {
	return ui.Cameras{
		Feed: func(id string) (ui.CameraFeed, bool) {
			c, ok := cs.Camera(id)
			return c, ok
		},
		Status: func() any { return cs.Status() },
		Ground: func(id string, pixels [][2]float64) ([][3]float64, error) {
			_, c, err := cs.calibration(id)
			if err != nil {
				return nil, err
			}
			cam := c.CameraPose(cs.pose())
			out := make([][3]float64, len(pixels))
			for i, px := range pixels {
				p, err := c.GroundPointFrom(cam, calib.Point2{X: px[0], Y: px[1]}, 0)
				if err != nil {
					out[i] = [3]float64{math.NaN(), math.NaN(), math.NaN()}
					continue
				}
				out[i] = [3]float64{p.X, p.Y, p.Z}
			}
			return out, nil
		},
		Image: func(id string, points [][3]float64) ([][2]float64, error) {
			_, c, err := cs.calibration(id)
			if err != nil {
				return nil, err
			}
			cam := c.CameraPose(cs.pose())
			out := make([][2]float64, len(points))
			for i, w := range points {
				px, ok := c.ProjectFrom(cam, calib.Point3{X: w[0], Y: w[1], Z: w[2]})
				if !ok {
					out[i] = [2]float64{math.NaN(), math.NaN()}
					continue
				}
				out[i] = [2]float64{px.X, px.Y}
			}
			return out, nil
		},
		Record: func(id string) (any, error) {
			rc, ok := cs.byID[id]
			if !ok {
				return nil, fmt.Errorf("%w %q", ui.ErrCameraUnknown, id)
			}
			var f camera.Frame
			if !rc.cam.LatestInto(&f) {
				return nil, fmt.Errorf("%w: %s", ui.ErrCameraNoFrame, id)
			}
			return rc.rec.Save(f.JPEG, f.Time)
		},
	}
}

// CameraStatus is one camera in GET /api/cameras.
type CameraStatus struct {
	camera.Status
	Kind             string         `json:"kind"`
	Calibrated       bool           `json:"calibrated"`
	CalibrationError string         `json:"calibration_error,omitempty"`
	Footprint        [][2]float64   `json:"footprint"`
	Recording        record.Status  `json:"recording"`
	Detector         *detect.Status `json:"detector,omitempty"`
	Detections       *detect.Result `json:"detections,omitempty"`
}

// CamerasStatus is GET /api/cameras.
type CamerasStatus struct {
	Cameras     []CameraStatus      `json:"cameras"`
	WorldPoints []detect.WorldPoint `json:"world_points"`
}

// Status reports every camera; no credential is in it (the sources'
// names carry none, and passwords are redacted from errors).
func (cs *Cameras) Status() CamerasStatus {
	out := CamerasStatus{Cameras: make([]CameraStatus, 0, len(cs.list)), WorldPoints: cs.Points.List("")}
	for _, rc := range cs.list {
		st := CameraStatus{Status: rc.cam.Status(), Kind: rc.kind, Recording: rc.rec.Status(), Footprint: [][2]float64{}}
		st.Error = cs.redact(st.Error)
		st.Source = cs.redact(st.Source)
		st.Recording.LastError = cs.redact(st.Recording.LastError)
		_, c, err := cs.calibration(rc.cfg.ID)
		if err != nil {
			st.CalibrationError = err.Error()
		} else {
			st.Calibrated = true
			st.Footprint = footprint(&c, cs.pose())
		}
		if rc.det != nil {
			ds := rc.det.Status()
			ds.LastError = cs.redact(ds.LastError)
			st.Detector = &ds
			if last := rc.det.Last(); !last.Time.IsZero() {
				st.Detections = &last
			}
		}
		out.Cameras = append(out.Cameras, st)
	}
	return out
}

// redact hides every user and password in s (an ffmpeg error may echo
// the URL it was given, credentials included).
func (cs *Cameras) redact(s string) string {
	for _, p := range cs.secrets {
		s = strings.ReplaceAll(s, p, "***")
	}
	return s
}

// footprintRange bounds the footprint: the outline is drawn at most this
// far from the point under the camera (towards the horizon).
const footprintRange = 30.0

// footprint is the image's outline on the ground in the world frame.
func footprint(c *calib.Calibration, robot hardware.Pose) [][2]float64 {
	pts, err := c.Footprint(robot, 8, footprintRange)
	out := make([][2]float64, 0, len(pts))
	if err != nil {
		return out
	}
	for _, p := range pts {
		out = append(out, [2]float64{p.X, p.Y})
	}
	return out
}

// fusedPoseAt is the fused pose at t: the estimate now, moved back by the
// odometry's motion since t (what a frame taken at t saw from).
func (r *Robot) fusedPoseAt(t time.Time) (hardware.Pose, bool) {
	then, ok := r.Odometer.PoseAt(t)
	if !ok {
		return hardware.Pose{}, false
	}
	return relocate(r.Pose.Pose(), r.Odometer.Pose(), then), true
}

// relocate moves pose p, estimated where the odometry says now, to where
// it was when the odometry said then: the odometry's motion from then to
// now, in the robot's frame, undone from p.
func relocate(p, now, then hardware.Pose) hardware.Pose {
	// then in now's frame
	dx, dy := then.X-now.X, then.Y-now.Y
	c, s := math.Cos(-now.Yaw), math.Sin(-now.Yaw)
	lx, ly := c*dx-s*dy, s*dx+c*dy
	// the same offset from p
	c, s = math.Cos(p.Yaw), math.Sin(p.Yaw)
	return hardware.Pose{X: p.X + c*lx - s*ly, Y: p.Y + s*lx + c*ly, Yaw: hardware.WrapAngle(p.Yaw + then.Yaw - now.Yaw)}
}
