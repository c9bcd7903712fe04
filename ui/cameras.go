package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorosys/rosys/camera"
)

// CameraFeed is one camera as the API reads it (a *camera.Camera).
type CameraFeed interface {
	LatestInto(dst *camera.Frame) bool
	AtInto(t time.Time, dst *camera.Frame) bool
	Subscribe() *camera.Subscription
}

// Cameras is what the camera endpoints serve; nil parts answer 404.
type Cameras struct {
	// Feed finds a camera by id.
	Feed func(id string) (CameraFeed, bool)
	// Status is GET /api/cameras: every camera's status, calibration,
	// footprint and detections.
	Status func() any
	// Ground maps pixels of the camera's newest frame to points on the
	// ground in the world frame; Image maps world points to pixels. Both
	// return errors wrapping ErrCameraUnknown or ErrCameraUncalibrated.
	Ground func(id string, pixels [][2]float64) ([][3]float64, error)
	Image  func(id string, points [][3]float64) ([][2]float64, error)
	// Record saves the camera's newest frame now (POST …/record).
	Record func(id string) (any, error)
}

// Errors the Cameras functions wrap; the API answers 404 and 422.
var (
	ErrCameraUnknown      = errors.New("unknown camera")
	ErrCameraUncalibrated = errors.New("camera has no calibration for its frames")
	ErrCameraNoFrame      = errors.New("camera has no frame yet")
)

// WithCameras adds the camera endpoints.
func WithCameras(c Cameras) Option { return func(s *Server) { s.cams = c } }

// maxProjectPoints bounds one projection request's list; maxProjectBytes
// its body (a point is at most a few dozen bytes).
const (
	maxProjectPoints = 10000
	maxProjectBytes  = 1 << 20
)

// frameWriteTimeout bounds writing one frame to a stream's client: one
// that stops reading is dropped, not waited on (frames meanwhile are
// skipped for it by its subscription, never queued).
const frameWriteTimeout = 10 * time.Second

func (s *Server) routeCameras() {
	s.mux.HandleFunc("GET /api/cameras", s.cameraList)
	s.mux.HandleFunc("GET /api/cameras/{id}/image.jpg", s.cameraImage)
	s.mux.HandleFunc("GET /api/cameras/{id}/stream", s.cameraStream)
	s.mux.HandleFunc("POST /api/cameras/{id}/project", s.cameraProject)
	s.mux.HandleFunc("POST /api/cameras/{id}/record", s.cameraRecord)
}

// cameraMediaPath reports whether path is where a browser loads camera
// images from an <img> (image.jpg, stream), which cannot send a header:
// there ?token= is accepted, as for the event stream.
func cameraMediaPath(path string) bool {
	rest, ok := strings.CutPrefix(path, "/api/cameras/")
	if !ok {
		return false
	}
	id, what, ok := strings.Cut(rest, "/")
	return ok && id != "" && !strings.Contains(id, "/") && (what == "image.jpg" || what == "stream")
}

func (s *Server) cameraList(w http.ResponseWriter, _ *http.Request) {
	if s.cams.Status == nil {
		writeJSON(w, http.StatusOK, map[string]any{"cameras": []any{}})
		return
	}
	writeJSON(w, http.StatusOK, s.cams.Status())
}

func (s *Server) cameraFeed(w http.ResponseWriter, r *http.Request) (CameraFeed, bool) {
	id := r.PathValue("id")
	if s.cams.Feed != nil {
		if f, ok := s.cams.Feed(id); ok {
			return f, true
		}
	}
	writeError(w, http.StatusNotFound, fmt.Errorf("%w %q", ErrCameraUnknown, id))
	return nil, false
}

// cameraImage serves the newest frame, or with ?time= (RFC 3339) the
// newest one taken at or before it that the camera still holds.
func (s *Server) cameraImage(w http.ResponseWriter, r *http.Request) {
	feed, ok := s.cameraFeed(w, r)
	if !ok {
		return
	}
	var f camera.Frame
	if raw := r.URL.Query().Get("time"); raw != "" {
		at, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("?time=%q is not an RFC 3339 time such as 2026-12-07T12:00:00Z", raw))
			return
		}
		if !feed.AtInto(at, &f) {
			writeError(w, http.StatusNotFound, fmt.Errorf("camera %s holds no frame taken at or before %s", r.PathValue("id"), at.Format(time.RFC3339Nano)))
			return
		}
	} else if !feed.LatestInto(&f) {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w: %s", ErrCameraNoFrame, r.PathValue("id")))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(f.JPEG)))
	h.Set("X-Frame-Time", f.Time.UTC().Format(time.RFC3339Nano))
	h.Set("X-Frame-Seq", strconv.FormatUint(f.Seq, 10))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.JPEG)
}

// streamBoundary separates the frames of a camera stream.
const streamBoundary = "rosysframe"

// cameraStream serves the camera's frames as multipart/x-mixed-replace
// (what an <img> shows as live video). The stream counts against the
// API's budget of streams (streams.go): a new one displaces the oldest.
// Frames reach the client at the pace it reads: while a write waits, the
// subscription skips frames for it (the camera's consumer_dropped), so
// nothing queues and the camera never waits; one that stops reading is
// dropped after frameWriteTimeout.
func (s *Server) cameraStream(w http.ResponseWriter, r *http.Request) {
	feed, ok := s.cameraFeed(w, r)
	if !ok {
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, errStreaming)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	displaced, leave := s.streams.join()
	defer leave()
	sub := feed.Subscribe()
	defer sub.Close()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
		case <-s.closing:
		case <-displaced: // a newer stream took its place
		}
		cancel()
	}()
	h := w.Header()
	h.Set("Content-Type", "multipart/x-mixed-replace; boundary="+streamBoundary)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// Each frame is followed at once by the next part's boundary, so a
	// client knows the frame is whole without waiting for the next one.
	if _, err := io.WriteString(w, "--"+streamBoundary+"\r\n"); err != nil {
		return
	}
	flusher.Flush()
	var f camera.Frame
	head := make([]byte, 0, 256)
	for {
		if err := sub.Next(ctx, &f); err != nil {
			return
		}
		head = append(head[:0], "Content-Type: image/jpeg\r\nContent-Length: "...)
		head = strconv.AppendInt(head, int64(len(f.JPEG)), 10)
		head = append(head, "\r\nX-Frame-Seq: "...)
		head = strconv.AppendUint(head, f.Seq, 10)
		head = append(head, "\r\nX-Frame-Time: "...)
		head = f.Time.UTC().AppendFormat(head, time.RFC3339Nano)
		head = append(head, "\r\n\r\n"...)
		_ = rc.SetWriteDeadline(time.Now().Add(frameWriteTimeout))
		if _, err := w.Write(head); err != nil {
			return
		}
		if _, err := w.Write(f.JPEG); err != nil {
			return
		}
		if _, err := io.WriteString(w, "\r\n--"+streamBoundary+"\r\n"); err != nil {
			return
		}
		flusher.Flush()
	}
}

type projectRequest struct {
	Pixels *[][2]float64 `json:"pixels"`
	Points *[][3]float64 `json:"points"`
}

// cameraProject maps {"pixels": [[u, v], …]} to {"points": [[x, y, 0], …]}
// on the ground in the world frame, and {"points": [[x, y, z], …]} to
// {"pixels": [[u, v], …]}. A pixel whose ray misses the ground, or a point
// behind the camera, is null in the answer.
func (s *Server) cameraProject(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if s.cams.Ground == nil || s.cams.Image == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w %q", ErrCameraUnknown, id))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxProjectBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("body larger than %d bytes", maxProjectBytes))
		return
	} else if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("read body: %w", err))
		return
	}
	if err := checkBody(body); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	var req projectRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf(`body: want {"pixels": [[u, v], …]} or {"points": [[x, y, z], …]}: %w`, err))
		return
	}
	if (req.Pixels == nil) == (req.Points == nil) {
		writeError(w, http.StatusBadRequest, errors.New(`give either "pixels" or "points"`))
		return
	}
	n := 0
	if req.Pixels != nil {
		n = len(*req.Pixels)
	} else {
		n = len(*req.Points)
	}
	if n > maxProjectPoints {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("%d entries; at most %d", n, maxProjectPoints))
		return
	}
	var out any
	if req.Pixels != nil {
		pts, err := s.cams.Ground(id, *req.Pixels)
		if err != nil {
			writeCameraError(w, err)
			return
		}
		out = map[string]any{"points": nullable(pts, func(p [3]float64) []float64 { return p[:] })}
	} else {
		px, err := s.cams.Image(id, *req.Points)
		if err != nil {
			writeCameraError(w, err)
			return
		}
		out = map[string]any{"pixels": nullable(px, func(p [2]float64) []float64 { return p[:] })}
	}
	writeJSON(w, http.StatusOK, out)
}

// nullable turns entries holding NaN (no answer for that entry) into
// JSON null.
func nullable[P [2]float64 | [3]float64](ps []P, each func(P) []float64) []*P {
	out := make([]*P, len(ps))
	for i := range ps {
		ok := true
		for _, v := range each(ps[i]) {
			ok = ok && !math.IsNaN(v) && !math.IsInf(v, 0)
		}
		if ok {
			out[i] = &ps[i]
		}
	}
	return out
}

func writeCameraError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrCameraUnknown):
		writeError(w, http.StatusNotFound, err)
	case errors.Is(err, ErrCameraUncalibrated):
		writeError(w, http.StatusUnprocessableEntity, err)
	case errors.Is(err, ErrCameraNoFrame):
		writeError(w, http.StatusConflict, err)
	default:
		writeError(w, http.StatusBadRequest, err)
	}
}

func (s *Server) cameraRecord(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if s.cams.Record == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w %q", ErrCameraUnknown, id))
		return
	}
	img, err := s.cams.Record(id)
	if err != nil {
		if errors.Is(err, ErrCameraUnknown) || errors.Is(err, ErrCameraNoFrame) {
			writeCameraError(w, err)
		} else {
			writeError(w, http.StatusInternalServerError, err)
		}
		return
	}
	writeJSON(w, http.StatusOK, img)
}
