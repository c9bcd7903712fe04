package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gorosys/rosys/persistence/archive"
	"go.uber.org/zap"
)

// MaxImportBytes bounds an uploaded archive (compressed); archive.Read
// bounds what it expands to.
const MaxImportBytes = 64 << 20

// transferTimeout bounds an export download or an import upload as a
// whole: they may be larger than the server's ReadTimeout and WriteTimeout
// allow for ordinary requests, but not endless.
const transferTimeout = 2 * time.Minute

// export flushes every module and sends the archive. It is built in memory
// first, so a failure is a clean 500 instead of a truncated download.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	if s.store == nil {
		writeError(w, http.StatusNotFound, errors.New("this robot has no persistence"))
		return
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "tar.gz":
	case "rosys-json":
		s.exportRoSysJSON(w, r)
		return
	default:
		writeError(w, http.StatusBadRequest, fmt.Errorf("format %q: use tar.gz (the default) or rosys-json", f))
		return
	}
	var buf bytes.Buffer
	m, err := s.store.Export(r.Context(), &buf, s.rt.Name())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(transferTimeout))
	name := fmt.Sprintf("%s-%s.tar.gz", s.rt.Name(), m.CreatedAt.Local().Format("2006-01-02-150405"))
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
	s.log.Info("exported", zap.Int("modules", len(m.Files)), zap.String("file", name))
}

// exportRoSysJSON sends RoSys' export.json (GET /api/export?format=rosys-json).
func (s *Server) exportRoSysJSON(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	n, err := s.store.ExportRoSysJSON(r.Context(), &buf, s.rt.Name())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(transferTimeout))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="export.json"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
	s.log.Info("exported as RoSys export.json", zap.Int("modules", n))
}

// importArchive validates the uploaded archive completely, then imports
// it into the running robot. Any problem: 400 naming the entry (413 for
// one over the limits), nothing changed. One import runs at a time; others
// get 429 at once, before their body is read, so slow uploads cannot pile
// up.
func (s *Server) importArchive(w http.ResponseWriter, r *http.Request) {
	if s.store == nil {
		writeError(w, http.StatusNotFound, errors.New("this robot has no persistence"))
		return
	}
	if r.ContentLength > MaxImportBytes {
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("upload of %d bytes is larger than %d bytes; nothing changed", r.ContentLength, MaxImportBytes))
		return
	}
	if s.stopImports.Err() != nil {
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusServiceUnavailable, errors.New("the robot is shutting down; nothing changed"))
		return
	}
	select {
	case s.imports <- struct{}{}:
		defer func() { <-s.imports }()
	default:
		w.Header().Set("Retry-After", "5")
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusTooManyRequests, errors.New("another import is running; try again when it has finished"))
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(transferTimeout))
	// A shutdown cuts an upload still arriving: nothing has changed yet,
	// and a slow client must not hold up the shutdown (StopImports).
	stopRead := context.AfterFunc(s.stopImports, func() { _ = rc.SetReadDeadline(time.Now()) })
	body := &countingLimit{r: r.Body, left: MaxImportBytes}
	a, err := archive.Read(body, archive.DefaultLimits)
	stopRead()
	switch {
	case err != nil && s.stopImports.Err() != nil:
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusServiceUnavailable, fmt.Errorf("the robot is shutting down: upload cut off (%v); nothing changed", err))
		return
	case body.over || errors.Is(err, archive.ErrTooLarge):
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("upload larger than %d bytes or expanding beyond the limits (%v); nothing changed", MaxImportBytes, err))
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, fmt.Errorf("%w; nothing changed", err))
		return
	}
	// A shutdown cancels the import (StopImports): unless it has
	// committed it is rolled back, and the answer says so.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(s.stopImports, cancel)()
	res, err := s.store.Import(ctx, a)
	if err != nil {
		code := http.StatusBadRequest
		if s.stopImports.Err() != nil {
			code = http.StatusServiceUnavailable
			err = fmt.Errorf("the robot is shutting down: %w", err)
		}
		writeError(w, code, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// StopImports is the first step of the HTTP server's shutdown: an import
// under way is cancelled and waited for, so that its client gets the
// answer (200 if it had committed, else 503: rolled back, nothing
// changed) before the connections close, and no import starts after it.
// It returns ctx's error if the import has not ended by then; a restart
// rolls that one back (persistence/archive/journal.go).
func (s *Server) StopImports(ctx context.Context) error {
	s.stopImportsFunc()
	select {
	case s.imports <- struct{}{}: // held for good: none starts after this
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the import under way: %w", ctx.Err())
	}
}

// countingLimit reads at most left bytes and remembers whether the body
// had more: archive.Read reports read errors as archive errors, so the
// limit is known here whatever it wrapped them in.
type countingLimit struct {
	r    io.Reader
	left int64
	over bool
}

func (c *countingLimit) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, errUploadTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		c.over = true
		return n + int(c.left), errUploadTooLarge
	}
	return n, err
}

var errUploadTooLarge = errors.New("upload too large")
