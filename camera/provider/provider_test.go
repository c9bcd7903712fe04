package provider

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gorosys/rosys/camera/calib"
)

func calibration(w, h int) *calib.Calibration {
	return &calib.Calibration{Intrinsics: calib.Default(w, h, 500),
		Extrinsics: calib.Pose3{Z: 1, Rotation: calib.RotationFromEuler(math.Pi, 0, 0)}}
}

// The module has RoSys's shape; a restore keeps robot.yaml's settings
// for a configured camera and takes its calibration; a camera no longer
// configured keeps its entry; calibrations at another size are kept but
// not applicable.
func TestProviderShapeRestoreAndValidity(t *testing.T) {
	p := New([]Settings{{ID: "front", Kind: "usb", Device: "/dev/video0", Width: 640, Height: 480, FPS: 30}})
	var changed []string
	p.OnChange(func(id string) { changed = append(changed, id) })
	if err := p.SetCalibration("front", calibration(640, 480)); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p.Backup())
	if err != nil {
		t.Fatal(err)
	}
	var shape map[string]map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b, &shape); err != nil {
		t.Fatal(err)
	}
	front := shape["cameras"]["front"]
	if string(front["kind"]) != `"usb"` || string(front["width"]) != "640" || !strings.Contains(string(front["calibration"]), `"intrinsics"`) {
		t.Fatalf("backup %s", b)
	}
	if _, err := p.Applicable("front", 640, 480); err != nil {
		t.Fatal(err)
	}
	// A stored file naming other settings, a camera gone from robot.yaml,
	// and a calibration at another size.
	stored := `{"cameras": {"front": {"id": "front", "kind": "usb", "device": "/dev/video9", "width": 1280, "height": 720,
		"calibration": ` + mustJSON(t, calibration(1280, 720)) + `, "future_field": 1},
		"old": {"kind": "sim", "calibration": null}}}`
	if err := p.RestoreStrict(json.RawMessage(stored)); err == nil || !strings.Contains(err.Error(), "future_field") {
		t.Fatalf("strict restore took an unknown field: %v", err)
	}
	if err := p.Restore(json.RawMessage(stored)); err != nil {
		t.Fatal(err)
	}
	if s, _ := p.Settings("front"); s.Device != "/dev/video0" || s.Width != 640 {
		t.Fatalf("settings %+v: robot.yaml's must run", s)
	}
	if _, err := p.Applicable("front", 640, 480); !errors.Is(err, calib.ErrResolution) {
		t.Fatalf("a 1280x720 calibration applied to 640x480 frames: %v", err)
	}
	if _, err := p.Applicable("old", 640, 480); !errors.Is(err, ErrUncalibrated) {
		t.Fatalf("old: %v", err)
	}
	if strings.Join(p.IDs(), ",") != "front,old" || strings.Join(changed, ",") != "front,front,old" {
		t.Fatalf("ids %v changed %v", p.IDs(), changed)
	}
	for _, bad := range []string{`{"cameras": {"../x": {}}}`, `{"cameras": {"a": {"id": "b"}}}`, `{"cameras": {"a": {"calibration": {"intrinsics": {"matrix": [[0,0,0],[0,0,0],[0,0,1]], "size": {"width": 10, "height": 10}}}}}}`} {
		if err := p.Restore(json.RawMessage(bad)); err == nil {
			t.Errorf("restored %s", bad)
		}
	}
	if s, _ := p.Settings("front"); s.Device != "/dev/video0" {
		t.Fatal("a refused restore changed the module")
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
