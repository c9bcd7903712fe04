package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// LizardExchange sends one line to the Lizard controller and collects
// its replies for a while (lizard.Driver.Exchange).
type LizardExchange func(ctx context.Context, line string, window time.Duration) ([]string, error)

// lizardReplyWindow is how long replies are collected, as `rosys lizard
// send` does.
const lizardReplyWindow = time.Second

// maxLizardLine bounds a line (Lizard's own buffer is 1 KiB).
const maxLizardLine = 1000

// WithLizard serves POST /api/lizard/send {"line": "..."}: the field
// engineer's console. Like every request that changes state it needs the
// token and a same-origin (or no) Origin.
func WithLizard(send LizardExchange) Option {
	return func(s *Server) {
		if send == nil {
			return
		}
		s.mux.HandleFunc("POST /api/lizard/send", func(w http.ResponseWriter, r *http.Request) {
			var req struct {
				Line *string `json:"line"`
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
			if err != nil {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("body: %w", err))
				return
			}
			if err := decodeCommand(body, &req); err != nil || req.Line == nil {
				writeError(w, http.StatusBadRequest, errors.New(`want {"line": "<Lizard command>"}`))
				return
			}
			line := strings.TrimSpace(*req.Line)
			if line == "" || len(line) > maxLizardLine || strings.ContainsAny(line, "\r\n") {
				writeError(w, http.StatusBadRequest, fmt.Errorf("line: one Lizard command of 1 to %d bytes", maxLizardLine))
				return
			}
			replies, err := send(r.Context(), line, lizardReplyWindow)
			if err != nil {
				writeError(w, http.StatusServiceUnavailable, err)
				return
			}
			s.log.Info("lizard command sent through the API")
			writeJSON(w, http.StatusOK, map[string]any{"line": line, "replies": replies})
		})
	}
}
