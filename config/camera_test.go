package config_test

import (
	"strings"
	"testing"

	"github.com/gorosys/rosys/config"
)

// Hostile camera entries are refused naming the key and its line.
func TestHostileCamerasNameKeyAndLine(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"no kind", "cameras:\n  - {id: a}\n", "cameras[0].kind: name one of usb, mjpeg, rtsp, sim"},
		{"bad kind", "cameras:\n  - {id: a, kind: firewire}\n", `line 2: kind "firewire" is not one of usb, mjpeg, rtsp, sim`},
		{"path id", "cameras:\n  - id: ../../etc\n    kind: sim\n", "line 2: cameras[0].id: camera id \"../../etc\" has '.' at 0"},
		{"duplicate id", "cameras:\n  - {id: a, kind: sim}\n  - {id: a, kind: sim}\n", `line 3: cameras[1].id: "a" is also cameras[0]'s id`},
		{"usb without device", "cameras:\n  - {id: a, kind: usb}\n", `cameras[0].device: "" is not a V4L2 device`},
		{"mjpeg rtsp scheme", "cameras:\n  - {id: a, kind: mjpeg, url: \"rtsp://x/y\"}\n", `line 2: cameras[0].url: scheme "rtsp": a mjpeg camera takes http or https`},
		{"credentials in url", "cameras:\n  - id: a\n    kind: rtsp\n    url: \"rtsp://bob:hunter2@10.0.0.6/s\"\n", "line 4: cameras[0].url: holds credentials"},
		{"password in password_env", "cameras:\n  - {id: a, kind: mjpeg, url: \"http://h/v\", user: bob, password_env: \"hunter2!\"}\n", "cameras[0].password_env: \"hunter2!\" is not an environment variable name"},
		{"password without user", "cameras:\n  - {id: a, kind: mjpeg, url: \"http://h/v\", password_env: P}\n", "cameras[0].user: password_env needs a user"},
		{"header injection", "cameras:\n  - {id: a, kind: mjpeg, url: \"http://h/v\", user: \"bob\\r\\nX: y\", password_env: P}\n", "cameras[0].user: holds '\\r'"},
		{"control on network camera", "cameras:\n  - {id: a, kind: rtsp, url: \"rtsp://h/s\", exposure: 100}\n", "cameras[0].exposure: a V4L2 control, only for usb cameras"},
		{"width alone", "cameras:\n  - {id: a, kind: sim, width: 640}\n", "cameras[0].width: give width and height together"},
		{"width huge", "cameras:\n  - {id: a, kind: sim, width: 100000, height: 480}\n", "line 2: cameras[0].width: 100000 is out of range 16 to 8192"},
		{"fps 0", "cameras:\n  - {id: a, kind: sim, fps: 0}\n", "line 2: cameras[0].fps: 0 is out of range 1 to 240"},
		{"record 1ms", "cameras:\n  - id: a\n    kind: sim\n    record: {interval: 1ms}\n", "line 4: cameras[0].record.interval: 1ms is out of range"},
		{"record bytes bare", "cameras:\n  - id: a\n    kind: sim\n    record: {max_bytes: 64}\n", "a bare number is bytes"},
		{"unknown key", "cameras:\n  - {id: a, kind: sim, password: x}\n", "line 2: unknown key password in cameras[]"},
		{"sim detector on usb", "cameras:\n  - {id: a, kind: usb, device: /dev/video0, detector: {kind: sim}}\n", "cameras[0].detector.kind: the sim detector finds the simulated markers"},
		{"detector url with creds", "cameras:\n  - {id: a, kind: sim, detector: {kind: learning_loop, url: \"http://u:p@h:8004\"}}\n", "cameras[0].detector.url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error holding %q", err, tc.want)
			}
		})
	}
}

func TestCamerasLoad(t *testing.T) {
	r, err := config.Parse([]byte(`cameras:
  - {id: front, kind: usb, device: /dev/video0, width: 1280, height: 720, fps: 30, exposure: 100, gain: 0}
  - {id: mast, kind: mjpeg, url: "https://10.0.0.5/mjpg/video.mjpg", user: robot, password_env: MAST_PASSWORD}
  - id: ground
    kind: sim
    record: {interval: 10s, keep: 5}
    detector: {kind: sim}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := r.Cameras
	if len(c) != 3 || c[0].ID != "front" || c[0].Kind != config.CameraUSB || *c[0].Exposure != 100 || *c[0].Gain != 0 || c[0].WhiteBalance != nil ||
		c[1].User != "robot" || c[1].PasswordEnv != "MAST_PASSWORD" || c[2].Record.Interval.D().Seconds() != 10 || c[2].Record.Keep != 5 ||
		c[2].Detector.Kind != config.DetectorSim || c[2].Line != 4 {
		t.Fatalf("%+v", c)
	}
}
