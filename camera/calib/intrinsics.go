package calib

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Model is a camera model, named as in RoSys's CameraModel.
type Model string

// The camera models. RoSys's "omnidirectional" is refused by name.
const (
	// Pinhole is OpenCV's standard model (cv::projectPoints): radial
	// k1..k6 (rational), tangential p1, p2, thin prism s1..s4.
	Pinhole Model = "pinhole"
	// Fisheye is OpenCV's equidistant fisheye model (cv::fisheye): θ_d =
	// θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸).
	Fisheye Model = "fisheye"
)

// MaxImageSide bounds a calibration's width and height, in pixels.
const MaxImageSide = 1 << 15

// ErrResolution is wrapped by Valid when a calibration was made at
// another image size than the frames it would be applied to.
var ErrResolution = errors.New("calibration made at another resolution")

// CameraMatrix holds K's entries: K = [[Fx, Skew, Cx], [0, Fy, Cy], [0, 0, 1]].
type CameraMatrix struct {
	Fx, Fy, Cx, Cy float64
	// Skew is K[0][1]. OpenCV's calibration always gives 0; the fisheye
	// model uses it (alpha = Skew/Fx), cv::projectPoints ignores it: this
	// package applies it in both models, so a pinhole calibration with a
	// non-zero skew projects differently from cv::projectPoints.
	Skew float64
}

// Intrinsics is the inner geometry of a camera: model, camera matrix,
// distortion and the image size it was calibrated at.
type Intrinsics struct {
	Model Model
	K     CameraMatrix
	// D is the distortion, in OpenCV's order. Pinhole: none, or k1, k2,
	// p1, p2[, k3[, k4, k5, k6[, s1, s2, s3, s4]]] (0, 4, 5, 8 or 12
	// values). Fisheye: k1, k2, k3, k4 (0 or 4 values).
	D             []float64
	Width, Height int
}

// Check refuses intrinsics that cannot be used: an unknown model, a
// distortion of the wrong length, non-finite values, a focal length that is
// not positive, a size out of (0, MaxImageSide].
func (in Intrinsics) Check() error {
	switch in.Model {
	case Pinhole:
		switch len(in.D) {
		case 0, 4, 5, 8, 12:
		case 14:
			return fmt.Errorf("pinhole distortion with 14 coefficients (the tilted sensor model) is not supported")
		default:
			return fmt.Errorf("pinhole distortion has %d coefficients; want 0, 4, 5, 8 or 12 (k1, k2, p1, p2[, k3[, k4, k5, k6[, s1..s4]]])", len(in.D))
		}
	case Fisheye:
		if len(in.D) != 0 && len(in.D) != 4 {
			return fmt.Errorf("fisheye distortion has %d coefficients; want 4 (k1..k4)", len(in.D))
		}
	case "omnidirectional":
		return fmt.Errorf("camera model %q is not supported (pinhole, fisheye)", in.Model)
	default:
		return fmt.Errorf("unknown camera model %q (pinhole, fisheye)", in.Model)
	}
	k := in.K
	for _, v := range append([]float64{k.Fx, k.Fy, k.Cx, k.Cy, k.Skew}, in.D...) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("intrinsics hold a non-finite value (%v)", v)
		}
	}
	if k.Fx <= 0 || k.Fy <= 0 {
		return fmt.Errorf("focal lengths fx=%g, fy=%g must be positive", k.Fx, k.Fy)
	}
	if in.Width <= 0 || in.Height <= 0 || in.Width > MaxImageSide || in.Height > MaxImageSide {
		return fmt.Errorf("image size %d×%d is out of 1..%d", in.Width, in.Height, MaxImageSide)
	}
	return nil
}

// Valid says whether the intrinsics can be applied to frames of
// width×height: Check, and the size must be the calibrated one exactly
// (errors.Is(err, ErrResolution) otherwise). A calibration is never
// applied silently at another size; Scaled makes one for it explicitly.
func (in Intrinsics) Valid(width, height int) error {
	if err := in.Check(); err != nil {
		return err
	}
	if width != in.Width || height != in.Height {
		return fmt.Errorf("%w: calibrated at %d×%d, frames are %d×%d", ErrResolution, in.Width, in.Height, width, height)
	}
	return nil
}

// Scaled returns the intrinsics for the same sensor read out at
// width×height (a camera mode that scales the whole image): focal lengths
// scale with the size, the principal point so that pixel centres stay
// pixel centres (c' = (c + ½)·s − ½); distortion, in normalized
// coordinates, is unchanged. A change of aspect ratio by more than 0.5 %
// is refused: that is a crop, not a scale, and needs a new calibration.
func (in Intrinsics) Scaled(width, height int) (Intrinsics, error) {
	if err := in.Check(); err != nil {
		return Intrinsics{}, err
	}
	if width <= 0 || height <= 0 || width > MaxImageSide || height > MaxImageSide {
		return Intrinsics{}, fmt.Errorf("image size %d×%d is out of 1..%d", width, height, MaxImageSide)
	}
	sx := float64(width) / float64(in.Width)
	sy := float64(height) / float64(in.Height)
	if math.Abs(sx/sy-1) > 0.005 {
		return Intrinsics{}, fmt.Errorf("%d×%d → %d×%d changes the aspect ratio (scale %.4f × %.4f): a crop needs its own calibration",
			in.Width, in.Height, width, height, sx, sy)
	}
	out := in
	out.D = append([]float64(nil), in.D...)
	out.Width, out.Height = width, height
	out.K = CameraMatrix{
		Fx: in.K.Fx * sx, Fy: in.K.Fy * sy,
		Cx: (in.K.Cx+0.5)*sx - 0.5, Cy: (in.K.Cy+0.5)*sy - 0.5,
		Skew: in.K.Skew * sx,
	}
	return out, nil
}

// Default returns distortion-free pinhole intrinsics with the principal
// point in the image's centre (RoSys's Intrinsics.create_default).
func Default(width, height int, focal float64) Intrinsics {
	return Intrinsics{
		Model:  Pinhole,
		K:      CameraMatrix{Fx: focal, Fy: focal, Cx: float64(width) / 2, Cy: float64(height) / 2},
		D:      []float64{0, 0, 0, 0, 0},
		Width:  width,
		Height: height,
	}
}

// Matrix returns K as rows.
func (k CameraMatrix) Matrix() [3][3]float64 {
	return [3][3]float64{{k.Fx, k.Skew, k.Cx}, {0, k.Fy, k.Cy}, {0, 0, 1}}
}

// intrinsicsJSON is RoSys's Intrinsics as dataclasses-json writes it.
type intrinsicsJSON struct {
	Model         Model          `json:"model"`
	Matrix        [3][3]float64  `json:"matrix"`
	Distortion    []float64      `json:"distortion"`
	OmnidirParams map[string]any `json:"omnidir_params"`
	Size          struct {
		Width  int `json:"width"`
		Height int `json:"height"`
	} `json:"size"`
}

// MarshalJSON writes RoSys's shape: {"model", "matrix": K rows,
// "distortion", "omnidir_params": null, "size": {"width", "height"}}.
func (in Intrinsics) MarshalJSON() ([]byte, error) {
	v := intrinsicsJSON{Model: in.Model, Matrix: in.K.Matrix(), Distortion: in.D}
	if v.Distortion == nil {
		v.Distortion = []float64{}
	}
	v.Size.Width, v.Size.Height = in.Width, in.Height
	return json.Marshal(v)
}

// UnmarshalJSON reads RoSys's shape (a missing model is pinhole, as in
// RoSys) and refuses what Check refuses and a K whose last row is not
// (0, 0, 1) or whose K[1][0] is not 0.
func (in *Intrinsics) UnmarshalJSON(b []byte) error {
	var v intrinsicsJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("intrinsics: %w", err)
	}
	if v.Model == "" {
		v.Model = Pinhole
	}
	m := v.Matrix
	if m[1][0] != 0 || m[2][0] != 0 || m[2][1] != 0 || m[2][2] != 1 {
		return fmt.Errorf("intrinsics: camera matrix %v is not of the form [[fx, s, cx], [0, fy, cy], [0, 0, 1]]", m)
	}
	out := Intrinsics{
		Model: v.Model,
		K:     CameraMatrix{Fx: m[0][0], Skew: m[0][1], Cx: m[0][2], Fy: m[1][1], Cy: m[1][2]},
		D:     v.Distortion,
		Width: v.Size.Width, Height: v.Size.Height,
	}
	if err := out.Check(); err != nil {
		return fmt.Errorf("intrinsics: %w", err)
	}
	*in = out
	return nil
}
