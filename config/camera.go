package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"
)

// Camera is one entry of robot.yaml's cameras: list. Its settings and its
// calibration live in the persistent module camera_provider; the
// credentials of a network camera never do (user here, the password in the
// environment variable PasswordEnv names).
//
//	cameras:
//	  - {id: front, kind: usb, device: /dev/video0, width: 1280, height: 720, fps: 30, exposure: 100}
//	  - {id: mast, kind: mjpeg, url: "http://10.0.0.5/mjpg/video.mjpg", user: robot, password_env: MAST_PASSWORD}
//	  - {id: ground, kind: sim, width: 640, height: 480, fps: 10, record: {interval: 10s, keep: 1000}}
type Camera struct {
	ID     string     `yaml:"id"`
	Kind   CameraKind `yaml:"kind"`
	Device string     `yaml:"device"` // usb: the V4L2 device
	URL    string     `yaml:"url"`    // mjpeg (http, https) or rtsp (rtsp, rtsps)
	Width  int        `yaml:"width"`
	Height int        `yaml:"height"`
	FPS    int        `yaml:"fps"`
	// V4L2 controls of a usb camera; absent leaves the camera's own
	// (automatic) setting. Exposure is in V4L2's unit, 100 µs; white
	// balance in kelvin.
	Exposure     *int `yaml:"exposure"`
	Gain         *int `yaml:"gain"`
	WhiteBalance *int `yaml:"white_balance"`
	// User and the password in the environment variable PasswordEnv
	// names authenticate at a network camera (Basic or Digest).
	User        string `yaml:"user"`
	PasswordEnv string `yaml:"password_env"`
	// Record keeps images on an interval (on request too, through the
	// API); absent records on request only, within the defaults' bounds.
	Record *CameraRecord `yaml:"record"`
	// Detector finds objects in the camera's images.
	Detector *CameraDetector `yaml:"detector"`

	Line int `yaml:"-"` // where the entry starts in robot.yaml
}

// CameraKind is cameras[].kind.
type CameraKind string

// The camera kinds.
const (
	CameraUSB   CameraKind = "usb"
	CameraMJPEG CameraKind = "mjpeg"
	CameraRTSP  CameraKind = "rtsp"
	CameraSim   CameraKind = "sim"
)

// UnmarshalYAML implements yaml.Unmarshaler.
func (k *CameraKind) UnmarshalYAML(n *yaml.Node) error {
	v, err := oneOf(n, "kind", []string{string(CameraUSB), string(CameraMJPEG), string(CameraRTSP), string(CameraSim)})
	*k = CameraKind(v)
	return err
}

// CameraRecord bounds a camera's recorded images (package camera/record).
type CameraRecord struct {
	// Interval takes an image this often (a timelapse); 0 or absent
	// records on request only.
	Interval Duration `yaml:"interval"`
	Keep     int      `yaml:"keep"`
	MaxBytes Bytes    `yaml:"max_bytes"`
	MaxAge   Duration `yaml:"max_age"`
}

// CameraDetector is a camera's detector: the simulated one (finds the
// simulated markers) or a Learning Loop detector node at URL.
type CameraDetector struct {
	Kind     string   `yaml:"kind"` // sim | learning_loop
	URL      string   `yaml:"url"`  // learning_loop: the node, e.g. http://localhost:8004
	Interval Duration `yaml:"interval"`
	Timeout  Duration `yaml:"timeout"`
}

// The detector kinds.
const (
	DetectorSim          = "sim"
	DetectorLearningLoop = "learning_loop"
)

var cameraKeys = []string{"id", "kind", "device", "url", "width", "height", "fps", "exposure", "gain", "white_balance",
	"user", "password_env", "record", "detector"}

// UnmarshalYAML implements yaml.Unmarshaler: keys are checked here with
// their lines, as a custom unmarshaler's inner decode does not.
func (c *Camera) UnmarshalYAML(n *yaml.Node) error {
	if err := knownKeys(n, "cameras[]", cameraKeys...); err != nil {
		return err
	}
	type plain Camera
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	p.Line = n.Line
	*c = Camera(p)
	return nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (r *CameraRecord) UnmarshalYAML(n *yaml.Node) error {
	if err := knownKeys(n, "cameras[].record", "interval", "keep", "max_bytes", "max_age"); err != nil {
		return err
	}
	type plain CameraRecord
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*r = CameraRecord(p)
	return nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *CameraDetector) UnmarshalYAML(n *yaml.Node) error {
	if err := knownKeys(n, "cameras[].detector", "kind", "url", "interval", "timeout"); err != nil {
		return err
	}
	type plain CameraDetector
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*d = CameraDetector(p)
	return nil
}

// maxCameras bounds the cameras: list (each captures on its own
// goroutine and keeps a ring of frames).
const maxCameras = 16

// validateCameras checks what the bounds table cannot: ids, kinds and
// their device or URL, credentials. Each error names the key
// (cameras[i].key) and the entry's line.
func validateCameras(cams []Camera) error {
	var errs []error
	if len(cams) > maxCameras {
		errs = append(errs, keyErr("cameras", "%d cameras; at most %d", len(cams), maxCameras))
	}
	seen := map[string]int{}
	for i, c := range cams {
		fail := func(key, format string, args ...any) {
			errs = append(errs, keyErr(fmt.Sprintf("cameras[%d].%s", i, key), format, args...))
		}
		if c.ID == "" {
			fail("id", "must not be empty")
		} else if err := checkName("camera id", c.ID); err != nil {
			// The id names the camera's files (recordings) and its
			// key in camera_provider and the API's paths.
			fail("id", "%v", err)
		} else if first, dup := seen[c.ID]; dup {
			fail("id", "%q is also cameras[%d]'s id", c.ID, first)
		} else {
			seen[c.ID] = i
		}
		switch c.Kind {
		case "":
			fail("kind", "name one of usb, mjpeg, rtsp, sim")
		case CameraUSB:
			if !strings.HasPrefix(c.Device, "/dev/") {
				fail("device", "%q is not a V4L2 device such as /dev/video0", c.Device)
			}
			if c.URL != "" {
				fail("url", "only for mjpeg and rtsp cameras")
			}
		case CameraMJPEG, CameraRTSP:
			if err := checkCameraURL(c.Kind, c.URL); err != nil {
				fail("url", "%v", err)
			}
			if c.Device != "" {
				fail("device", "only for usb cameras")
			}
		case CameraSim:
			if c.Device != "" || c.URL != "" {
				fail("kind", "a sim camera takes neither device nor url")
			}
		}
		if c.Kind != CameraUSB {
			for _, ctl := range []struct {
				key string
				v   *int
			}{{"exposure", c.Exposure}, {"gain", c.Gain}, {"white_balance", c.WhiteBalance}} {
				if ctl.v != nil {
					fail(ctl.key, "a V4L2 control, only for usb cameras")
				}
			}
		}
		if (c.Width == 0) != (c.Height == 0) {
			fail("width", "give width and height together")
		}
		if c.User != "" || c.PasswordEnv != "" {
			if c.Kind != CameraMJPEG && c.Kind != CameraRTSP {
				fail("user", "credentials are only for mjpeg and rtsp cameras")
			}
			if c.User == "" {
				fail("user", "password_env needs a user")
			}
			if err := checkUser(c.User); err != nil {
				fail("user", "%v", err)
			}
			if c.PasswordEnv != "" && !envName(c.PasswordEnv) {
				fail("password_env", "%q is not an environment variable name (A-Z, 0-9, _; not starting with a digit); it names the variable holding the password, never the password", c.PasswordEnv)
			}
		}
		if d := c.Detector; d != nil {
			switch d.Kind {
			case DetectorSim:
				if c.Kind != CameraSim {
					fail("detector.kind", "the sim detector finds the simulated markers, only on sim cameras")
				}
				if d.URL != "" {
					fail("detector.url", "only for learning_loop")
				}
			case DetectorLearningLoop:
				u, err := url.Parse(d.URL)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
					fail("detector.url", "%q is not the detector node's http(s)://host:port", d.URL)
				}
			default:
				fail("detector.kind", "%q: want sim or learning_loop", d.Kind)
			}
		}
	}
	return errors.Join(errs...)
}

// checkCameraURL holds a network camera's URL to its kind's schemes and
// refuses credentials in it: a URL is stored in camera_provider, exports
// and logs, so the user goes in user: and the password in the
// environment (password_env).
func checkCameraURL(kind CameraKind, raw string) error {
	if raw == "" {
		return fmt.Errorf("a %s camera needs its url", kind)
	}
	if len(raw) > 2048 {
		return fmt.Errorf("longer than 2048 bytes")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	schemes := map[CameraKind][]string{CameraMJPEG: {"http", "https"}, CameraRTSP: {"rtsp", "rtsps"}}[kind]
	ok := false
	for _, s := range schemes {
		ok = ok || u.Scheme == s
	}
	if !ok {
		return fmt.Errorf("scheme %q: a %s camera takes %s", u.Scheme, kind, strings.Join(schemes, " or "))
	}
	if u.Host == "" {
		return fmt.Errorf("%q names no host", raw)
	}
	if u.User != nil {
		return errors.New("holds credentials; the URL is stored and shown, so put the user in user: and the password in the environment variable password_env names")
	}
	return nil
}

// checkUser: a user name goes into an Authorization header.
func checkUser(u string) error {
	if len(u) > 256 {
		return errors.New("longer than 256 bytes")
	}
	for _, c := range u {
		if c < 0x20 || c == 0x7f || c == ':' {
			return fmt.Errorf("holds %q", c)
		}
	}
	return nil
}

// envName reports whether s is a portable environment variable name.
func envName(s string) bool {
	if s == "" || len(s) > 128 || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
