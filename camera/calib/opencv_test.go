package calib

import (
	"errors"
	"strings"
	"testing"
)

// The YAML of OpenCV's calibration tutorial (camera_calibration.cpp): its
// own key spellings, a fisheye_model flag and keys that are not read.
const tutorialYAML = `%YAML:1.0
---
calibration_time: "Mon 07 Dec 2026 21:00:00 UTC"
nr_of_frames: 25
image_width: 1280
image_height: 800
board_width: 9
board_height: 6
square_size: 25.
fix_aspect_ratio: 1.
flags: 2
fisheye_model: 1
Camera_Matrix: !!opencv-matrix
   rows: 3
   cols: 3
   dt: d
   data: [ 6.0030000000000001e+02, 0., 6.3940000000000000e+02, 0.,
       5.9980000000000001e+02, 4.0120000000000000e+02, 0., 0., 1. ]
Distortion_Coefficients: !!opencv-matrix
   rows: 4
   cols: 1
   dt: d
   data: [ -1.2999999999999999e-02, 2.1000000000000001e-02,
       -1.0999999999999999e-02, 2.0999999999999999e-03 ]
Avg_Reprojection_Error: 2.3e-01
`

func TestParseOpenCVTutorial(t *testing.T) {
	got, err := ParseOpenCV([]byte(tutorialYAML), "")
	if err != nil {
		t.Fatal(err)
	}
	want := cameras()["fisheye"]
	if got.Model != Fisheye || got.K != want.K || got.Width != 1280 || got.Height != 800 || len(got.D) != 4 || got.D[3] != 0.0021 {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := ParseOpenCV([]byte(tutorialYAML), Pinhole); err == nil || !strings.Contains(err.Error(), "fisheye_model is 1") {
		t.Errorf("imported as pinhole: %v", err)
	}
}

func TestParseOpenCVRefuses(t *testing.T) {
	good := `%YAML:1.0
---
image_width: 640
image_height: 480
camera_matrix: !!opencv-matrix
   rows: 3
   cols: 3
   dt: d
   data: [ 500., 0., 320., 0., 500., 240., 0., 0., 1. ]
distortion_coefficients: !!opencv-matrix
   rows: 1
   cols: 5
   dt: d
   data: [ 0.1, -0.2, 0., 0., 0.01 ]
`
	if _, err := ParseOpenCV([]byte(good), ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ old, new, want string }{
		{"image_height: 480\n", "", "no image_height"},
		{"image_width: 640", "image_width: -3", "not an integer"},
		{"image_width: 640", "image_width: 99999999", "not an integer"},
		{"rows: 3\n", "rows: 2\n", "not rows×cols"},
		{"cols: 5", "cols: 6", "not rows×cols"},
		{"dt: d\n   data: [ 0.1", "dt: u\n   data: [ 0.1", "dt is \"u\""},
		{"0.1, -0.2", ".nan, -0.2", "not a finite number"},
		{"0.1, -0.2", "[1], -0.2", "not a finite number"},
		{"500., 0., 320.", "-500., 0., 320.", "must be positive"},
		{"0., 0., 1. ]", "0., 0., 2. ]", "not of the form"},
		{"rows: 1\n   cols: 5\n   dt: d\n   data: [ 0.1, -0.2, 0., 0., 0.01 ]", "rows: 1\n   cols: 3\n   dt: d\n   data: [ 0.1, -0.2, 0. ]", "3 coefficients"},
		{"camera_matrix: !!opencv-matrix", "camera_matrix: 3\nunused: !!opencv-matrix", "not an opencv-matrix"},
		{"distortion_coefficients", "distortion", "no distortion"},
		{"image_width: 640", "image_width: 640\nimage_width: 640", "already defined"},
		{"%YAML:1.0\n---\n", "[1, 2]\n", "not a mapping"},
	} {
		in := strings.Replace(good, tc.old, tc.new, 1)
		if in == good {
			t.Fatalf("case %q changes nothing", tc.old)
		}
		_, err := ParseOpenCV([]byte(in), "")
		if !errors.Is(err, ErrOpenCVFile) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q → %q: %v, want %q", tc.old, tc.new, err, tc.want)
		}
	}
	big := good + "# " + strings.Repeat("x", MaxOpenCVFile) + "\n"
	if _, err := ParseOpenCV([]byte(big), ""); err == nil || !strings.Contains(err.Error(), "bytes, more than") {
		t.Errorf("oversized: %v", err)
	}
}

// OpenCV's JSON form (cv::FileStorage to a .json file).
func TestParseOpenCVJSON(t *testing.T) {
	j := `{
    "image_width": 640,
    "image_height": 480,
    "camera_matrix": {
        "type_id": "opencv-matrix",
        "rows": 3,
        "cols": 3,
        "dt": "d",
        "data": [ 500.0, 0.0, 320.0, 0.0, 500.0, 240.0, 0.0, 0.0, 1.0 ]
    },
    "distortion_coefficients": {
        "type_id": "opencv-matrix",
        "rows": 1,
        "cols": 5,
        "dt": "d",
        "data": [ 1.0000000000000001e-01, -2.0000000000000001e-01, 0.0,
            0.0, 1.0000000000000000e-02 ]
    }
}`
	got, err := ParseOpenCV([]byte(j), "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Model != Pinhole || got.K.Fx != 500 || got.K.Cy != 240 || got.D[4] != 0.01 || got.Width != 640 {
		t.Errorf("got %+v", got)
	}
	if _, err := ParseOpenCV([]byte(strings.Replace(j, `"opencv-matrix"`, `"opencv-nd-matrix"`, 1)), ""); err == nil || !strings.Contains(err.Error(), "type_id") {
		t.Errorf("nd-matrix: %v", err)
	}
}

func FuzzParseOpenCV(f *testing.F) {
	f.Add([]byte(tutorialYAML))
	f.Add([]byte(`{"image_width": 1, "image_height": 1, "K": {"rows": 3, "cols": 3, "dt": "d", "data": [1,0,0,0,1,0,0,0,1]}, "D": {"rows": 1, "cols": 4, "dt": "d", "data": [0,0,0,0]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := ParseOpenCV(b, "")
		if err == nil {
			if err := in.Check(); err != nil {
				t.Fatalf("ParseOpenCV accepted intrinsics Check refuses: %v", err)
			}
		}
	})
}
