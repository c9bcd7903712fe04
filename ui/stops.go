package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorosys/rosys/automation"
	"go.uber.org/zap"
)

// commitTimeout bounds waiting for an operating change to be durable.
const commitTimeout = 10 * time.Second

// activeStops names every stop active now (Operation.Stops); nil when the
// robot has no such list.
func (s *Server) activeStops() []string {
	if s.op.Stops == nil {
		return nil
	}
	return s.op.Stops()
}

// refuseStopped answers 409 naming every active stop and returns true if
// any is active.
func (s *Server) refuseStopped(w http.ResponseWriter, what string) bool {
	stops := s.activeStops()
	if len(stops) == 0 {
		return false
	}
	writeJSON(w, http.StatusConflict, map[string]any{
		"error": fmt.Sprintf("%s refused: %s: %s", what, automation.ErrBlocked, strings.Join(stops, ", ")),
		"stops": stops,
	})
	return true
}

// commit makes an operating change durable before the answer
// (Operation.Commit): an operator's start, pause, resume, stop or e-stop
// survives a power cut once answered. It answers 503 and returns false
// when the change took effect but could not be made durable.
func (s *Server) commit(w http.ResponseWriter, r *http.Request, what string) bool {
	if s.op.Commit == nil {
		return true
	}
	ctx, cancel := context.WithTimeout(r.Context(), commitTimeout)
	defer cancel()
	if err := s.op.Commit(ctx); err != nil {
		s.log.Error(what+" done but not durable", zap.Error(err))
		writeError(w, http.StatusServiceUnavailable, fmt.Errorf("%s done, but not durable: %w", what, err))
		return false
	}
	return true
}

// estopAnswer is the soft e-stop's state as the API tells it. Changes
// counts presses and releases since start: a page that hears the state
// both in answers and in the event stream keeps the one with the higher
// count, so a snapshot taken before an operator's release and delivered
// after its answer cannot show the e-stop pressed again (and turn the
// next click into a release).
type estopAnswer struct {
	Active  bool   `json:"active"`
	Changes uint64 `json:"changes"`
}

func estopAnswerOf(e SoftEStop) estopAnswer {
	a, n := e.State()
	return estopAnswer{Active: a, Changes: n}
}

// estopState answers GET /api/estop: {"active": bool, "changes": n}.
func (s *Server) estopState(w http.ResponseWriter, _ *http.Request) {
	if s.op.SoftEStop == nil {
		writeError(w, http.StatusNotFound, errors.New("this robot has no soft e-stop"))
		return
	}
	writeJSON(w, http.StatusOK, estopAnswerOf(s.op.SoftEStop))
}
