package ui

import (
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap"
)

// maxPoseCoordinate bounds x and y of a pose set through the API: the
// local frame is a field's, not a continent's (100 km).
const maxPoseCoordinate = 100_000

// setPose takes {"x": m, "y": m, "yaw": rad}: the robot is placed there
// on the next control tick. Anything else is a 400 naming the field; while
// an automation runs it is a 409 (its path would jump under it).
func (s *Server) setPose(w http.ResponseWriter, r *http.Request) {
	fields, ok := openCommand(w, r, s.op.Pose == nil, "this robot's pose cannot be set", "x", "y", "yaw")
	if !ok {
		return
	}
	var v [3]float64
	for i, name := range []string{"x", "y", "yaw"} {
		var err error
		if v[i], err = number(fields, name); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
	}
	for i, name := range []string{"x", "y"} {
		if math.Abs(v[i]) > maxPoseCoordinate {
			writeError(w, http.StatusBadRequest, fmt.Errorf("%s: %g m is beyond ±%d m of the local frame's origin", name, v[i], maxPoseCoordinate))
			return
		}
	}
	if math.Abs(v[2]) > 2*math.Pi {
		writeError(w, http.StatusBadRequest, fmt.Errorf("yaw: %g is beyond ±2π: radians, not degrees", v[2]))
		return
	}
	if a := s.op.Automator; a != nil {
		if st := a.Status(); st.State == automation.Running {
			writeError(w, http.StatusConflict, fmt.Errorf("automation %q is running: pause or stop it before setting the pose", st.Name))
			return
		}
	}
	p := hardware.Pose{X: v[0], Y: v[1], Yaw: hardware.WrapAngle(v[2])}
	if err := s.op.Pose.SetPose(p); err != nil {
		code := http.StatusServiceUnavailable
		if errors.Is(err, hardware.ErrBadPose) {
			code = http.StatusBadRequest
		}
		writeError(w, code, err)
		return
	}
	s.log.Info("pose set through the API", zap.Float64("x", p.X), zap.Float64("y", p.Y), zap.Float64("yaw", p.Yaw))
	writeJSON(w, http.StatusOK, map[string]float64{"x": p.X, "y": p.Y, "yaw": p.Yaw})
}
