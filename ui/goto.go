package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/navigate"
	"github.com/gorosys/rosys/pathplanning"
	"go.uber.org/zap"
)

// Navigator plans paths and drives them (navigate.Navigator).
type Navigator interface {
	Goto(ctx context.Context, g navigate.Goal, ready func() error) (navigate.PathView, error)
	Preview(ctx context.Context, g navigate.Goal) (navigate.PathView, error)
	Path() navigate.PathView
}

// WithNavigator adds POST /api/goto and GET /api/path.
func WithNavigator(n Navigator) Option { return func(s *Server) { s.nav = n } }

func (s *Server) routeGoto() {
	s.mux.HandleFunc("POST /api/goto", s.gotoGoal)
	s.mux.HandleFunc("GET /api/path", s.plannedPath)
}

var errNoNavigator = errors.New("this robot has no path planner")

// stopsError is the robot's active stops, refusing a goto.
type stopsError []string

func (e stopsError) Error() string {
	return fmt.Sprintf("goto refused: %s: %s", automation.ErrBlocked, strings.Join(e, ", "))
}

// gotoGoal takes {"x": m, "y": m, "yaw"?: rad, "preview"?: bool}: it plans
// from the robot's pose (on this request's goroutine, within the planner's
// deadline) and starts the automation "goto" (with preview true it only
// answers the path). 422 with the reason when there is no path
// (the robot does not move), 409 while another automation runs or a stop
// is active, 503 when the search ran out of time.
func (s *Server) gotoGoal(w http.ResponseWriter, r *http.Request) {
	fields, ok := openCommand(w, r, s.nav == nil, errNoNavigator.Error(), "x", "y", "yaw", "preview")
	if !ok {
		return
	}
	var g navigate.Goal
	var err error
	if g.X, err = number(fields, "x"); err == nil {
		g.Y, err = number(fields, "y")
	}
	if err == nil {
		if _, given := fields["yaw"]; given {
			var yaw float64
			if yaw, err = number(fields, "yaw"); err == nil {
				g.Yaw = &yaw
			}
		}
	}
	preview := false
	if raw, given := fields["preview"]; given && err == nil {
		if json.Unmarshal(raw, &preview) != nil || strings.TrimSpace(string(raw)) == "null" {
			err = errors.New("preview: want true or false")
		}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if preview {
		view, err := s.nav.Preview(r.Context(), g)
		s.answerGoto(w, r, view, err, false)
		return
	}
	ready := func() error {
		if stops := s.activeStops(); len(stops) > 0 {
			return stopsError(stops)
		}
		return nil
	}
	view, err := s.nav.Goto(r.Context(), g, ready)
	if s.answerGoto(w, r, view, err, true) {
		s.log.Info("goto through the API", zap.Float64("x", g.X), zap.Float64("y", g.Y), zap.Int("segments", len(view.Segments)))
	}
}

// answerGoto answers a goto or its preview; started says whether the
// automation was started (committed before the answer). It reports
// whether the answer is the path.
func (s *Server) answerGoto(w http.ResponseWriter, r *http.Request, view navigate.PathView, err error, started bool) bool {
	var noPath *pathplanning.NoPathError
	var stops stopsError
	switch {
	case err == nil:
	case errors.As(err, &noPath):
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error(), "reason": noPath.Reason})
		return false
	case errors.As(err, &stops):
		writeJSON(w, http.StatusConflict, map[string]any{"error": err.Error(), "stops": []string(stops)})
		return false
	case errors.Is(err, automation.ErrBusy), errors.Is(err, automation.ErrBlocked), errors.Is(err, automation.ErrShutdown):
		writeError(w, http.StatusConflict, err)
		return false
	case errors.Is(err, navigate.ErrPlanTimeout):
		writeError(w, http.StatusServiceUnavailable, err)
		return false
	case r.Context().Err() != nil:
		return false // the client left
	default:
		// The goal itself (out of bounds): the only other error.
		writeError(w, http.StatusBadRequest, err)
		return false
	}
	if started && !s.commit(w, r, "goto") {
		return false
	}
	writeJSON(w, http.StatusOK, view)
	return true
}

// plannedPath answers GET /api/path: the path being driven (active) or the
// last one, with its segments and points to draw.
func (s *Server) plannedPath(w http.ResponseWriter, _ *http.Request) {
	if s.nav == nil {
		writeError(w, http.StatusNotFound, errNoNavigator)
		return
	}
	writeJSON(w, http.StatusOK, s.nav.Path())
}
