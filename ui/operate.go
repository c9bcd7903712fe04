package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap"
)

// maxCommandBytes bounds the body of an operating command (steer, e-stop,
// automation): they are a few dozen bytes.
const maxCommandBytes = 4 << 10

// Automator is what the API starts, pauses, resumes and stops.
type Automator interface {
	Status() automation.Status
	Start(name string) error
	Pause(reason string) error
	Resume() error
	Stop() error
}

// Steerer takes manual velocity commands.
type Steerer interface {
	Steer(linear, angular float64) error
	Status() driving.SteerStatus
}

// SoftEStop is the e-stop the API presses and releases.
type SoftEStop interface {
	Set(active bool)
	Active() bool
	// State is Active with the number of presses and releases before it
	// (hardware.Latch.State).
	State() (active bool, changes uint64)
}

// PoseSetter places the robot at a pose an operator gives (POST
// /api/pose): the robot assembly wires the odometry or the pose estimator.
type PoseSetter interface {
	SetPose(p hardware.Pose) error
}

// Operation is what the API operates the robot with; nil parts are left
// out (their endpoints answer 404).
type Operation struct {
	Automator Automator
	Steerer   Steerer
	SoftEStop SoftEStop
	// Driving reports who drives the wheels, the stops and the path being
	// followed, for the events stream and the dashboard's map.
	Driving func() any
	// Stops names every stop active now (e-stop pins, bumpers, the soft
	// e-stop, the motor controller's refusals): status lists them as
	// "stops", and commands that would move the robot are refused with 409
	// naming them while any is active.
	Stops func() []string
	// Commit makes the automation's record and the soft e-stop durable,
	// returning once they are; the API answers an operator's change only
	// after it.
	Commit func(ctx context.Context) error
	// Pose sets the robot's pose (POST /api/pose).
	Pose PoseSetter
}

// WithOperation adds the automation, steering and e-stop endpoints.
func WithOperation(op Operation) Option { return func(s *Server) { s.op = op } }

func (s *Server) routeOperate() {
	s.mux.HandleFunc("GET /api/automation", s.automationStatus)
	s.mux.HandleFunc("POST /api/automation/{action}", s.automationAction)
	s.mux.HandleFunc("POST /api/steer", s.steer)
	s.mux.HandleFunc("POST /api/estop", s.estop)
	s.mux.HandleFunc("GET /api/estop", s.estopState)
	s.mux.HandleFunc("POST /api/pose", s.setPose)
}

// operateSnapshot is the operating state in the events stream.
type operateSnapshot struct {
	Automation *automation.Status   `json:"automation,omitempty"`
	Steer      *driving.SteerStatus `json:"steer,omitempty"`
	SoftEStop  *bool                `json:"soft_estop,omitempty"`
	// SoftEStopChanges orders the snapshot's soft e-stop against the
	// answers to POST /api/estop (see estopAnswer).
	SoftEStopChanges uint64 `json:"soft_estop_changes"`
	Driving          any    `json:"driving,omitempty"`

	// What the pointers above point to, kept with the snapshot so that
	// an event stream refills one snapshot without allocating them.
	automation automation.Status
	steer      driving.SteerStatus
	softEStop  bool
}

// operateInto fills out with the operating state now; false when the
// server has no operation (the events leave "operate" out).
func (s *Server) operateInto(out *operateSnapshot) bool {
	op := s.op
	if op.Automator == nil && op.Steerer == nil && op.SoftEStop == nil && op.Driving == nil {
		return false
	}
	out.Automation, out.Steer, out.SoftEStop, out.SoftEStopChanges, out.Driving = nil, nil, nil, 0, nil
	if op.Automator != nil {
		out.automation = op.Automator.Status()
		out.Automation = &out.automation
	}
	if op.Steerer != nil {
		out.steer = op.Steerer.Status()
		out.Steer = &out.steer
	}
	if op.SoftEStop != nil {
		out.softEStop, out.SoftEStopChanges = op.SoftEStop.State()
		out.SoftEStop = &out.softEStop
	}
	if op.Driving != nil {
		out.Driving = op.Driving()
	}
	return true
}

var errNoAutomator = errors.New("this robot has no automator")

func (s *Server) automationStatus(w http.ResponseWriter, _ *http.Request) {
	if s.op.Automator == nil {
		writeError(w, http.StatusNotFound, errNoAutomator)
		return
	}
	writeJSON(w, http.StatusOK, s.op.Automator.Status())
}

func (s *Server) automationAction(w http.ResponseWriter, r *http.Request) {
	a := s.op.Automator
	if a == nil {
		writeError(w, http.StatusNotFound, errNoAutomator)
		return
	}
	fields, err := readObject(w, r, true)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	action := r.PathValue("action")
	allowed := map[string][]string{"start": {"name"}, "pause": {"reason"}, "resume": nil, "stop": nil}
	keys, ok := allowed[action]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("unknown action %q: start, pause, resume or stop", action))
		return
	}
	for k := range fields {
		if !slices.Contains(keys, k) {
			writeError(w, http.StatusBadRequest, fmt.Errorf("%s: unknown field for %s", k, action))
			return
		}
	}
	if (action == "start" || action == "resume") && s.refuseStopped(w, action) {
		return
	}
	arg := ""
	if len(keys) > 0 {
		if raw, ok := fields[keys[0]]; ok {
			if err := json.Unmarshal(raw, &arg); err != nil {
				writeError(w, http.StatusBadRequest, fmt.Errorf("%s: not a string", keys[0]))
				return
			}
		}
	}
	switch action {
	case "start":
		err = a.Start(arg)
	case "pause":
		if arg == "" {
			arg = "paused by the operator"
		}
		err = a.Pause(arg)
	case "resume":
		err = a.Resume()
	case "stop":
		err = a.Stop()
	}
	if err != nil {
		code := http.StatusConflict
		if errors.Is(err, automation.ErrUnknown) {
			code = http.StatusNotFound
		}
		writeError(w, code, err)
		return
	}
	s.log.Info("automation "+action+" through the API", zap.String("arg", arg))
	if !s.commit(w, r, "automation "+action) {
		return
	}
	writeJSON(w, http.StatusOK, a.Status())
}

// steer takes {"linear": m/s, "angular": rad/s}. Anything else is a 400
// naming the field, and nothing moves.
func (s *Server) steer(w http.ResponseWriter, r *http.Request) {
	fields, ok := openCommand(w, r, s.op.Steerer == nil, "this robot cannot be steered", "linear", "angular")
	if !ok {
		return
	}
	var v [2]float64
	for i, name := range []string{"linear", "angular"} {
		var err error
		if v[i], err = number(fields, name); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
	}
	// A command to stand still is never refused (a released joystick
	// sends one); one to move is, while anything stops the robot,
	// rather than answered as if it moved.
	if (v[0] != 0 || v[1] != 0) && s.refuseStopped(w, "steer") {
		return
	}
	if err := s.op.Steerer.Steer(v[0], v[1]); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, s.op.Steerer.Status())
}

// number reads a required finite JSON number.
func number(fields map[string]json.RawMessage, name string) (float64, error) {
	raw, ok := fields[name]
	if !ok {
		return 0, fmt.Errorf("%s: missing", name)
	}
	var f float64
	// null would decode to 0 without an error: refuse it by hand.
	if strings.TrimSpace(string(raw)) == "null" || json.Unmarshal(raw, &f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s: %s is not a finite number", name, truncate(string(raw), 40))
	}
	return f, nil
}

func (s *Server) estop(w http.ResponseWriter, r *http.Request) {
	fields, ok := openCommand(w, r, s.op.SoftEStop == nil, "this robot has no soft e-stop", "active")
	if !ok {
		return
	}
	raw, ok := fields["active"]
	var active bool
	if !ok || json.Unmarshal(raw, &active) != nil || strings.TrimSpace(string(raw)) == "null" {
		writeError(w, http.StatusBadRequest, errors.New(`active: want true or false`))
		return
	}
	s.op.SoftEStop.Set(active)
	s.log.Warn("soft e-stop set through the API", zap.Bool("active", active))
	if !s.commit(w, r, fmt.Sprintf("soft e-stop active=%v (in effect now)", active)) {
		return
	}
	writeJSON(w, http.StatusOK, estopAnswerOf(s.op.SoftEStop))
}

// openCommand opens a command handler (steer, e-stop): 404 saying
// missingMsg when the robot lacks the part, 400 for a body that is not a
// JSON object or holds a field other than known. ok false: answered.
func openCommand(w http.ResponseWriter, r *http.Request, missing bool, missingMsg string, known ...string) (map[string]json.RawMessage, bool) {
	if missing {
		writeError(w, http.StatusNotFound, errors.New(missingMsg))
		return nil, false
	}
	fields, err := readObject(w, r, false)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return nil, false
	}
	for k := range fields {
		if !slices.Contains(known, k) {
			writeError(w, http.StatusBadRequest, fmt.Errorf("%s: unknown field (%s)", k, strings.Join(known, ", ")))
			return nil, false
		}
	}
	return fields, true
}

// readObject reads a small JSON object body; an empty body is an empty
// object when emptyOK.
func readObject(w http.ResponseWriter, r *http.Request, emptyOK bool) (map[string]json.RawMessage, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCommandBytes))
	if err != nil {
		return nil, fmt.Errorf("body: %w (at most %d bytes)", err, maxCommandBytes)
	}
	if len(strings.TrimSpace(string(body))) == 0 && emptyOK {
		return map[string]json.RawMessage{}, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("body is not a JSON object: %s", truncate(string(body), 60))
	}
	// A map keeps the last of two equal keys, so {"active": true,
	// "active": false} would release the soft e-stop: checkBody refuses it.
	if err := checkBody(body); err != nil {
		return nil, err
	}
	return fields, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
