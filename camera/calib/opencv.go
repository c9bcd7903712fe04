package calib

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxOpenCVFile bounds the size of an OpenCV calibration file: the
// calibration samples may add every view's extrinsics and image points.
const MaxOpenCVFile = 1 << 20

// ErrOpenCVFile is wrapped by ParseOpenCV's errors.
var ErrOpenCVFile = errors.New("OpenCV calibration file")

// The keys ParseOpenCV reads, as OpenCV's calibration sample
// (samples/cpp/calibration.cpp) and tutorial (camera_calibration.cpp)
// write them; the first of each list is what cv::FileStorage gets from
// `fs << "camera_matrix" << K` in the sample.
var (
	keysK       = []string{"camera_matrix", "Camera_Matrix", "cameraMatrix", "K"}
	keysD       = []string{"distortion_coefficients", "Distortion_Coefficients", "dist_coeffs", "distCoeffs", "D"}
	keysWidth   = []string{"image_width", "imageWidth"}
	keysHeight  = []string{"image_height", "imageHeight"}
	keysFisheye = []string{"fisheye_model"}
)

// ParseOpenCV reads the intrinsics from an OpenCV calibration file: the
// YAML cv::FileStorage writes (a `%YAML:1.0` header, `!!opencv-matrix`
// nodes with rows, cols, dt and data) or its JSON form (`"type_id":
// "opencv-matrix"`). It needs the camera matrix, the distortion and the
// image size (image_width, image_height). model says which model the
// distortion belongs to; "" takes it from the file's fisheye_model (0 or
// 1, as the OpenCV tutorial writes it), or pinhole. A model given that
// contradicts the file is an error. Other keys are ignored.
func ParseOpenCV(data []byte, model Model) (Intrinsics, error) {
	if len(data) > MaxOpenCVFile {
		return Intrinsics{}, fmt.Errorf("%w: %d bytes, more than %d", ErrOpenCVFile, len(data), MaxOpenCVFile)
	}
	body := data
	// cv::FileStorage's header "%YAML:1.0" is not a valid YAML directive.
	if line, rest, ok := bytes.Cut(body, []byte("\n")); ok && bytes.HasPrefix(line, []byte("%YAML")) {
		body = rest
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return Intrinsics{}, fmt.Errorf("%w: %w", ErrOpenCVFile, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return Intrinsics{}, fmt.Errorf("%w: the top level is not a mapping", ErrOpenCVFile)
	}
	top := doc.Content[0]
	if err := duplicateKey(top); err != nil {
		return Intrinsics{}, err
	}
	find := func(keys []string) (string, *yaml.Node) {
		for _, k := range keys {
			for i := 0; i+1 < len(top.Content); i += 2 {
				if top.Content[i].Value == k {
					return k, top.Content[i+1]
				}
			}
		}
		return "", nil
	}
	in := Intrinsics{Model: model}
	if k, n := find(keysFisheye); n != nil {
		v, err := scalarInt(k, n)
		if err != nil {
			return Intrinsics{}, err
		}
		fileModel := Pinhole
		if v != 0 {
			fileModel = Fisheye
		}
		if model != "" && model != fileModel {
			return Intrinsics{}, fmt.Errorf("%w: %s is %d (%s), but the calibration is imported as %s", ErrOpenCVFile, k, v, fileModel, model)
		}
		in.Model = fileModel
	}
	if in.Model == "" {
		in.Model = Pinhole
	}
	for _, f := range []struct {
		keys []string
		dst  *int
	}{{keysWidth, &in.Width}, {keysHeight, &in.Height}} {
		k, n := find(f.keys)
		if n == nil {
			return Intrinsics{}, fmt.Errorf("%w: no %s: a calibration without its image size cannot be checked against the frames", ErrOpenCVFile, f.keys[0])
		}
		v, err := scalarInt(k, n)
		if err != nil {
			return Intrinsics{}, err
		}
		*f.dst = v
	}
	k, n := find(keysK)
	if n == nil {
		return Intrinsics{}, fmt.Errorf("%w: no camera matrix (%s)", ErrOpenCVFile, strings.Join(keysK, ", "))
	}
	rows, cols, kv, err := matrix(k, n)
	if err != nil {
		return Intrinsics{}, err
	}
	if rows != 3 || cols != 3 {
		return Intrinsics{}, fmt.Errorf("%w: %s is %d×%d, want 3×3", ErrOpenCVFile, k, rows, cols)
	}
	if kv[3] != 0 || kv[6] != 0 || kv[7] != 0 || kv[8] != 1 {
		return Intrinsics{}, fmt.Errorf("%w: %s %v is not of the form [fx, s, cx; 0, fy, cy; 0, 0, 1]", ErrOpenCVFile, k, kv)
	}
	in.K = CameraMatrix{Fx: kv[0], Skew: kv[1], Cx: kv[2], Fy: kv[4], Cy: kv[5]}
	k, n = find(keysD)
	if n == nil {
		return Intrinsics{}, fmt.Errorf("%w: no distortion (%s)", ErrOpenCVFile, strings.Join(keysD, ", "))
	}
	rows, cols, dv, err := matrix(k, n)
	if err != nil {
		return Intrinsics{}, err
	}
	if rows != 1 && cols != 1 {
		return Intrinsics{}, fmt.Errorf("%w: %s is %d×%d, want a row or a column", ErrOpenCVFile, k, rows, cols)
	}
	in.D = dv
	if err := in.Check(); err != nil {
		return Intrinsics{}, fmt.Errorf("%w: %w", ErrOpenCVFile, err)
	}
	return in, nil
}

func scalarInt(key string, n *yaml.Node) (int, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("%w: %s (line %d) is not a number", ErrOpenCVFile, key, n.Line)
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < 0 || v > MaxImageSide {
		return 0, fmt.Errorf("%w: %s (line %d) is %q, not an integer in 0..%d", ErrOpenCVFile, key, n.Line, n.Value, MaxImageSide)
	}
	return v, nil
}

// matrix reads an opencv-matrix node: {rows, cols, dt, data}.
func matrix(key string, n *yaml.Node) (rows, cols int, data []float64, err error) {
	bad := func(format string, a ...any) (int, int, []float64, error) {
		return 0, 0, nil, fmt.Errorf("%w: %s (line %d): %s", ErrOpenCVFile, key, n.Line, fmt.Sprintf(format, a...))
	}
	if n.Kind != yaml.MappingNode {
		return bad("not an opencv-matrix (rows, cols, dt, data)")
	}
	if err := duplicateKey(n); err != nil {
		return 0, 0, nil, err
	}
	var dataNode *yaml.Node
	dt := ""
	rows, cols = -1, -1
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch k {
		case "rows", "cols":
			x, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil || x < 1 || x > 64 {
				return bad("%s is %q, not in 1..64", k, v.Value)
			}
			if k == "rows" {
				rows = x
			} else {
				cols = x
			}
		case "dt":
			dt = v.Value
		case "data":
			dataNode = v
		case "type_id":
			if v.Value != "opencv-matrix" {
				return bad("type_id is %q, not opencv-matrix", v.Value)
			}
		}
	}
	if rows < 0 || cols < 0 || dataNode == nil {
		return bad("rows, cols and data are needed")
	}
	if dt != "d" && dt != "f" {
		return bad("dt is %q; want d or f (floating point)", dt)
	}
	if dataNode.Kind != yaml.SequenceNode || len(dataNode.Content) != rows*cols {
		return bad("data holds %d values, not rows×cols = %d", len(dataNode.Content), rows*cols)
	}
	data = make([]float64, rows*cols)
	for i, e := range dataNode.Content {
		v, err := strconv.ParseFloat(e.Value, 64)
		if e.Kind != yaml.ScalarNode || err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return bad("data[%d] is %q, not a finite number", i, e.Value)
		}
		data[i] = v
	}
	return rows, cols, data, nil
}

// duplicateKey refuses a mapping that names a key twice: which of the two
// was meant is unknown (decoding into a yaml.Node does not check it).
func duplicateKey(n *yaml.Node) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if seen[k] {
			return fmt.Errorf("%w: key %q (line %d) already defined", ErrOpenCVFile, k, n.Content[i].Line)
		}
		seen[k] = true
	}
	return nil
}
