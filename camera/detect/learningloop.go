package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// LearningLoop is a client of a Zauberzeug Learning Loop detector node
// (learning_loop_node's REST API): POST <URL>/detect with the image as the
// multipart form field "file" and the camera's id in the camera-id header;
// the node answers with JSON holding box_detections (category_name, x, y,
// width, height, confidence, model_name) and point_detections
// (category_name, x, y, confidence, model_name). Segmentation and
// classification detections are ignored.
type LearningLoop struct {
	url    string
	client *http.Client
	// Autoupload is sent as the autoupload header when set (filtered,
	// all, disabled); left out, the node's own setting holds.
	Autoupload string
}

var _ Detector = (*LearningLoop)(nil)

// MaxResponseBytes bounds a detector node's answer.
const MaxResponseBytes = 4 << 20

// NewLearningLoop is a client of the node at base (http://host:port).
// timeout bounds each request, connection included.
func NewLearningLoop(base string, timeout time.Duration) (*LearningLoop, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("detect: %q is not http(s)://host:port", base)
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	tr := &http.Transport{
		MaxIdleConnsPerHost: 2, ResponseHeaderTimeout: timeout, IdleConnTimeout: time.Minute,
		MaxResponseHeaderBytes: 64 << 10, Proxy: nil,
	}
	return &LearningLoop{url: strings.TrimSuffix(base, "/") + "/detect", client: &http.Client{Timeout: timeout, Transport: tr,
		// A detector has no business redirecting an image elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

type llBox struct {
	CategoryName string   `json:"category_name"`
	X            *float64 `json:"x"`
	Y            *float64 `json:"y"`
	Width        float64  `json:"width"`
	Height       float64  `json:"height"`
	ModelName    string   `json:"model_name"`
	Confidence   float64  `json:"confidence"`
}

type llResponse struct {
	BoxDetections   []llBox `json:"box_detections"`
	PointDetections []llBox `json:"point_detections"`
}

// Detect implements Detector.
func (l *LearningLoop) Detect(ctx context.Context, img Image) ([]Detection, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "image.jpg")
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(img.JPEG); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if img.Camera != "" {
		req.Header.Set("camera-id", img.Camera)
	}
	if !img.Time.IsZero() {
		req.Header.Set("creation_date", img.Time.UTC().Format(time.RFC3339Nano))
	}
	if l.Autoupload != "" {
		req.Header.Set("autoupload", l.Autoupload)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("detect: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("detect: read answer: %w", err)
	}
	if len(b) > MaxResponseBytes {
		return nil, fmt.Errorf("detect: answer larger than %d bytes", MaxResponseBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("detect: node answered %s: %.200s", resp.Status, b)
	}
	var r llResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("detect: answer is not the node's JSON: %w", err)
	}
	out := make([]Detection, 0, len(r.BoxDetections)+len(r.PointDetections))
	for i, d := range slices.Concat(r.BoxDetections, r.PointDetections) {
		box := i < len(r.BoxDetections)
		if d.X == nil || d.Y == nil {
			return nil, errors.New("detect: a detection without x or y")
		}
		det := Detection{Category: d.CategoryName, Confidence: d.Confidence, X: *d.X, Y: *d.Y, Model: d.ModelName}
		if box {
			det.W, det.H = d.Width, d.Height
		}
		if !finite(det.X, det.Y, det.W, det.H, det.Confidence) || det.W < 0 || det.H < 0 || len(det.Category) > 256 || len(det.Model) > 256 {
			return nil, fmt.Errorf("detect: detection %d is out of bounds", i)
		}
		out = append(out, det)
	}
	if len(out) > MaxDetections {
		slices.SortStableFunc(out, func(a, b Detection) int { return -cmpFloat(a.Confidence, b.Confidence) })
		out = out[:MaxDetections]
	}
	return out, nil
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
