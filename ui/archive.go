package ui

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/gorosys/rosys/persistence"
	"go.uber.org/zap"
)

// MaxImportBytes bounds an uploaded archive (compressed); ReadArchive
// bounds what it expands to.
const MaxImportBytes = 64 << 20

// export flushes every module and sends the archive. It is built in memory
// first, so a failure is a clean 500 instead of a truncated download.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	if s.store == nil {
		writeError(w, http.StatusNotFound, errors.New("this robot has no persistence"))
		return
	}
	var buf bytes.Buffer
	m, err := s.store.Export(r.Context(), &buf, s.rt.Name())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	name := fmt.Sprintf("%s-%s.tar.gz", s.rt.Name(), m.CreatedAt.Local().Format("2006-01-02-150405"))
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
	s.log.Info("exported", zap.Int("modules", len(m.Files)), zap.String("file", name))
}

// importArchive validates the uploaded archive completely, then imports
// it into the running robot. Any problem: 400 naming the entry, nothing
// changed.
func (s *Server) importArchive(w http.ResponseWriter, r *http.Request) {
	if s.store == nil {
		writeError(w, http.StatusNotFound, errors.New("this robot has no persistence"))
		return
	}
	body := http.MaxBytesReader(w, r.Body, MaxImportBytes)
	a, err := persistence.ReadArchive(body, persistence.DefaultLimits)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("upload larger than %d bytes; nothing changed", MaxImportBytes))
		return
	} else if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("%w; nothing changed", err))
		return
	}
	res, err := s.store.Import(r.Context(), a)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
