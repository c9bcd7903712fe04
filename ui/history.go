package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/store"
	"go.uber.org/zap"
)

// routeHistory serves a module's history and point-in-time restore.
func (s *Server) routeHistory() {
	s.mux.HandleFunc("GET /api/modules/{key}/history", s.moduleHistory)
	s.mux.HandleFunc("GET /api/modules/{key}/history/{version}", s.moduleVersion)
	s.mux.HandleFunc("POST /api/modules/{key}/restore", s.restoreVersion)
}

// historyResponse is the shape `rosys backup history --json` prints too.
type historyResponse = store.HistoryList

type versionResponse struct {
	history.Version
	Data json.RawMessage `json:"data"`
}

type restoreRequest struct {
	Version uint64 `json:"version"`
	At      string `json:"at"`
}

type restoreResponse struct {
	Restored history.Version `json:"restored"`
	Version  history.Version `json:"version"` // the new version the restore made
	Module   moduleResponse  `json:"module"`
}

// historyStatus maps the errors of the history calls to HTTP codes.
func historyStatus(err error) int {
	switch {
	case errors.Is(err, store.ErrUnknownKey), errors.Is(err, store.ErrNoVersion),
		errors.Is(err, persistence.ErrInvalidKey):
		return http.StatusNotFound
	case errors.Is(err, store.ErrNoHistory), errors.Is(err, store.ErrReadOnly):
		return http.StatusConflict
	case errors.Is(err, store.ErrRefused), errors.Is(err, store.ErrNewerSchema),
		errors.Is(err, store.ErrDamaged):
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

func (s *Server) moduleHistory(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if s.store == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w: %q", store.ErrUnknownKey, key))
		return
	}
	vs, err := s.store.History(key)
	if err != nil {
		writeError(w, historyStatus(err), err)
		return
	}
	if vs == nil {
		vs = []history.Version{}
	}
	writeJSON(w, http.StatusOK, historyResponse{Key: key, Versions: vs})
}

func (s *Server) moduleVersion(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	n, err := history.ParseVersion(r.PathValue("version"), 0)
	if err != nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w: %w", store.ErrNoVersion, err))
		return
	}
	if s.store == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w: %q", store.ErrUnknownKey, key))
		return
	}
	v, data, err := s.store.VersionData(key, n)
	if err != nil {
		writeError(w, historyStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, versionResponse{Version: v, Data: data})
}

// restoreVersion puts a module back to a kept version: {"version": N} or
// {"at": "RFC 3339"}. The module's Restore decides whether it takes the
// data; the restore is committed at once and is itself a new version.
func (s *Server) restoreVersion(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if s.store == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w: %q", store.ErrUnknownKey, key))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("read body (at most 4096 bytes): %w", err))
		return
	}
	var req restoreRequest
	if err := decodeCommand(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf(`body must be {"version": N} or {"at": "RFC 3339 time"}: %w`, err))
		return
	}
	if (req.Version == 0) == (req.At == "") {
		writeError(w, http.StatusBadRequest, errors.New(`give exactly one of "version" (a number from 1) and "at"`))
		return
	}
	sel := history.Selector{Version: req.Version}
	if req.At != "" {
		if sel.At, err = time.Parse(time.RFC3339, req.At); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf(`"at": %q is not an RFC 3339 time such as 2026-11-30T12:00:00Z`, req.At))
			return
		}
	}
	from, to, err := s.store.RestoreVersion(r.Context(), key, sel)
	if err != nil {
		writeError(w, historyStatus(err), err)
		return
	}
	s.log.Info("module restored from its history", zap.String("module", key),
		zap.Uint64("from", from.Version), zap.Uint64("new_version", to.Version))
	m, err := s.moduleState(key)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, restoreResponse{Restored: from, Version: to, Module: m})
}
