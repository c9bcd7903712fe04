package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/storage"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// MaxBodyBytes bounds a module PUT.
const MaxBodyBytes = 1 << 20

// syncTimeout bounds a PUT ?sync=1 commit (it waits for a backup cycle
// already writing, then writes).
const syncTimeout = 30 * time.Second

// Server is the robot's HTTP API (and, later, dashboard).
type Server struct {
	rt       *rosys.Runtime
	store    *store.Store
	token    string
	log      *zap.Logger
	hardware func() any
	version  func() any
	op       Operation
	nav      Navigator
	mux      *routeMux
	listen   []net.IP // addresses this server listens on, for the Host check

	imports   chan struct{} // one token per import that may run
	closing   chan struct{}
	closeOnce sync.Once

	gatherer prometheus.Gatherer // served at /metrics when set (metrics.go)

	// stopImports is done once StopImports was called: the import under
	// way is cancelled (rolled back unless committed), no other starts.
	stopImports     context.Context
	stopImportsFunc context.CancelFunc

	telemetry *telemetryRing // the plotted series' last minutes (telemetry.go)

	streams   streams                   // open event streams (streams.go)
	connClass func(*http.Request, bool) // WithConnClass

	cams Cameras // WithCameras (cameras.go)

	// puts counts the modules changed through PUT /api/modules/{key} since
	// start. Its answer carries the count after the change and every
	// event-stream snapshot the count before its state was read, so a page
	// keeps its own change over a snapshot with a lower count: one taken
	// before the change, delivered after the answer.
	puts atomic.Uint64
}

var errStreaming = errors.New("streaming not supported")

// Option configures a Server.
type Option func(*Server)

// WithToken requires every API request to carry the token, as
// "Authorization: Bearer <token>". Needed when listening beyond loopback.
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithListenAddr names the address the server listens on (host or
// host:port), so that without a token a request naming it in its Host
// header is served too, besides localhost and loopback addresses.
func WithListenAddr(addr string) Option {
	return func(s *Server) {
		h := addr
		if hh, _, err := net.SplitHostPort(addr); err == nil {
			h = hh
		}
		if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil && !ip.IsUnspecified() {
			s.listen = append(s.listen, ip)
		}
	}
}

// WithLogger sets the logger; the server names it "http".
func WithLogger(l *zap.Logger) Option { return func(s *Server) { s.log = l } }

// WithVersion adds what fn returns to /api/status as "version" (the
// running and the previous version: deploy.Versions).
func WithVersion(fn func() any) Option { return func(s *Server) { s.version = fn } }

// WithHardware adds the value fn returns to /api/status as "hardware".
func WithHardware(fn func() any) Option { return func(s *Server) { s.hardware = fn } }

// NewServer serves the API of rt.
func NewServer(rt *rosys.Runtime, opts ...Option) *Server {
	s := &Server{rt: rt, store: storage.StoreOf(rt), log: zap.NewNop(), mux: newRouteMux(), closing: make(chan struct{}),
		imports: make(chan struct{}, 1), telemetry: newTelemetryRing(telemetryWindow, telemetryEvery)}
	s.stopImports, s.stopImportsFunc = context.WithCancel(context.Background())
	for _, o := range opts {
		o(s)
	}
	s.log = s.log.Named("http")
	s.mux.HandleFunc("GET /api/status", s.status)
	s.mux.HandleFunc("GET /api/modules", s.modules)
	s.mux.HandleFunc("GET /api/modules/{key}", s.module)
	s.mux.HandleFunc("PUT /api/modules/{key}", s.putModule)
	s.mux.HandleFunc("GET /api/export", s.export)
	s.mux.HandleFunc("POST /api/import", s.importArchive)
	s.routeOperate()
	s.routeGoto()
	s.routeDashboard()
	s.routeMetrics()
	s.routeHistory()
	s.routeCameras()
	s.mux.HandleFunc("GET /api/telemetry/recent", s.telemetryRecent)
	s.startTelemetry()
	return s
}

// ServeHTTP implements http.Handler: it checks the token, the Host and,
// for requests that change state, the Origin (see guard) before routing.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.classify(w, r) {
		defer dropBody(w)
	}
	if !s.guard(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// storageStatus names storage.Status apart from rosys.Status so that both
// can be embedded: /api/status is the fields of both, side by side.
type storageStatus = storage.Status

type statusResponse struct {
	rosys.Status
	storageStatus
	// Stops lists every stop active now in one place (Operation.Stops);
	// empty when nothing stops the robot.
	Stops    *[]string `json:"stops,omitempty"`
	Hardware any       `json:"hardware,omitempty"`
	Version  any       `json:"version,omitempty"`

	stops []string // what Stops points to
}

// statusResponses are kept from one status request to the next, so that
// rosys.Runtime.StatusInto reuses their lists.
var statusResponses = sync.Pool{New: func() any { return new(statusResponse) }}

func (s *Server) status(w http.ResponseWriter, _ *http.Request) {
	resp := statusResponses.Get().(*statusResponse)
	defer statusResponses.Put(resp)
	s.statusInto(resp)
	writeJSON(w, http.StatusOK, resp)
}

// statusInto fills resp with the status now, reusing its room.
func (s *Server) statusInto(resp *statusResponse) {
	s.rt.StatusInto(&resp.Status)
	storage.StatusInto(s.rt, &resp.storageStatus)
	resp.Stops, resp.Hardware, resp.Version = nil, nil, nil
	if s.version != nil {
		resp.Version = s.version()
	}
	if s.op.Stops != nil {
		resp.stops = s.op.Stops()
		if resp.stops == nil {
			resp.stops = []string{}
		}
		resp.Stops = &resp.stops
	}
	if s.hardware != nil {
		resp.Hardware = s.hardware()
	}
}

type moduleResponse struct {
	Key    string                   `json:"key"`
	Data   json.RawMessage          `json:"data"`
	Status persistence.ModuleStatus `json:"status"`
}

func (s *Server) modules(w http.ResponseWriter, _ *http.Request) {
	out := []moduleResponse{}
	if s.store != nil {
		for _, key := range s.store.Keys() {
			m, err := s.moduleState(key)
			if err != nil {
				writeError(w, http.StatusInternalServerError, err)
				return
			}
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) module(w http.ResponseWriter, r *http.Request) {
	m, err := s.moduleState(r.PathValue("key"))
	if errors.Is(err, store.ErrUnknownKey) {
		writeError(w, http.StatusNotFound, err)
		return
	} else if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) moduleState(key string) (moduleResponse, error) {
	if s.store == nil {
		return moduleResponse{}, fmt.Errorf("%w: %q", store.ErrUnknownKey, key)
	}
	mod, ok := s.store.Module(key)
	if !ok {
		return moduleResponse{}, fmt.Errorf("%w: %q", store.ErrUnknownKey, key)
	}
	data, err := json.Marshal(mod.Backup())
	if err != nil {
		return moduleResponse{}, fmt.Errorf("module %q: %w", key, err)
	}
	st, err := s.store.ModuleStatus(key)
	return moduleResponse{Key: key, Data: data, Status: st}, err
}

// putModule restores the module from the body and requests its backup, as
// a change made on the robot would. Bad JSON changes nothing.
func (s *Server) putModule(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	sync, err := syncWanted(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if s.store == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w: %q", store.ErrUnknownKey, key))
		return
	}
	mod, ok := s.store.Module(key)
	if !ok {
		if err := persistence.ValidateKey(key); errors.Is(err, persistence.ErrReservedKey) {
			// Never a module's key: say why, not only that none is there.
			writeError(w, http.StatusBadRequest, err)
			return
		}
		writeError(w, http.StatusNotFound, fmt.Errorf("%w: %q", store.ErrUnknownKey, key))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("body larger than %d bytes", MaxBodyBytes))
		return
	} else if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("read body: %w", err))
		return
	}
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		writeError(w, http.StatusBadRequest, fmt.Errorf("body is not JSON: %w", err))
		return
	}
	if err := checkBody(body); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	restore := mod.Restore
	if strict, ok := mod.(persistence.StrictRestorer); ok {
		restore = strict.RestoreStrict
	}
	if err := restore(body); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("module %q refused the data: %w", key, err))
		return
	}
	puts := s.puts.Add(1) // after the change: a snapshot counting it reads it
	if err := s.store.RequestBackup(key); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	s.log.Info("module changed through the API", zap.String("module", key))
	if sync {
		// Answer only once the change is durable, as fsync would: it is
		// committed now, not at the next backup cycle.
		ctx, cancel := context.WithTimeout(r.Context(), syncTimeout)
		defer cancel()
		if err := s.store.CommitNow(ctx, key); err != nil {
			writeError(w, http.StatusServiceUnavailable, fmt.Errorf("changed, but not durable yet: %w", err))
			return
		}
	}
	m, err := s.moduleState(key)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, putAnswer{moduleResponse: m, Puts: puts})
}

// putAnswer is the module after a PUT, with the count of PUTs since start
// that includes it (Server.puts).
type putAnswer struct {
	moduleResponse
	Puts uint64 `json:"puts"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := encodeIndented(v)
	defer b.release()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	if err == nil { // as json.Encoder: nothing of a value that failed
		_, _ = w.Write(b.buf.Bytes())
	}
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

// syncWanted reads PUT's ?sync as a yes or no: a bare "?sync" and every
// usual yes ask for the value to be durable before the answer; a no (or
// no ?sync) leaves it to the backup cycle. Anything else, or ?sync given
// twice, is an error, so a typo never passes for "durable".
func syncWanted(r *http.Request) (bool, error) {
	vs, ok := r.URL.Query()["sync"]
	switch {
	case !ok:
		return false, nil
	case len(vs) > 1:
		return false, fmt.Errorf("?sync is given %d times; give it once (sync=1 or sync=0)", len(vs))
	}
	switch strings.ToLower(vs[0]) {
	case "", "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("?sync=%q: want 1 (answer once durable) or 0; nothing changed", vs[0])
}
