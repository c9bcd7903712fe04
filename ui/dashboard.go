package ui

import (
	"bytes"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"time"
)

//go:embed static
var static embed.FS

// eventsEvery is how often the event stream looks for changes. It reads
// the runtime's lock-free status, never anything the control loop waits on.
const eventsEvery = 200 * time.Millisecond

// snapshot is what the dashboard renders.
type snapshot struct {
	Status statusResponse `json:"status"`
	// Modules holds the data of the modules that changed since the
	// stream's previous event (all of them in its first); ModuleKeys
	// lists every module (moduleFeed).
	Modules    json.RawMessage `json:"modules"`
	ModuleKeys []string        `json:"module_keys"`
	// Operate is the automation, steering, e-stop and path (WithOperation).
	Operate *operateSnapshot `json:"operate,omitempty"`
	// Puts is the count of module PUTs read before the state (Server.puts):
	// the snapshot holds every change a PUT answer with a count up to it
	// reported.
	Puts uint64 `json:"puts"`
}

func (s *Server) routeDashboard() {
	sub, _ := fs.Sub(static, "static")
	files := http.FileServerFS(sub)
	s.mux.Handle("GET /", files)
	s.mux.HandleFunc("GET /api/events", s.events)
}

func (s *Server) snapshot() snapshot {
	// The PUT count is read before the modules (the events loop reads
	// them after this, through its moduleFeed).
	puts := s.puts.Load()
	return snapshot{Status: s.statusNow(), Operate: s.operateNow(), Puts: puts}
}

// events streams the dashboard's state as server-sent events: one at once,
// then at most one per eventsEvery when anything shown changed — in
// practice nearly every time, since loop and process figures move; a module
// set through the API shows in every open page within eventsEvery.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, errStreaming)
		return
	}
	// A stream outlives the server's ReadTimeout and WriteTimeout: the read
	// deadline is lifted (an expired one would cancel the request, and a
	// GET has no body to trickle), and each event gets its own write
	// deadline, so a reader that stops reading is dropped, not waited on.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	displaced, leave := s.streams.join()
	defer leave()
	tick := time.NewTicker(eventsEvery)
	defer tick.Stop()
	var last []byte
	feed := newModuleFeed()
	for {
		snap := s.snapshot()
		modulesChanged := feed.update(s.store)
		// Uptime and tick counts always change; they alone do not warrant
		// an event.
		cmp := snap
		cmp.Status.UptimeS, cmp.Status.Control.Ticks = 0, 0
		key, _ := json.Marshal(cmp)
		if !bytes.Equal(key, last) || last == nil || modulesChanged {
			last = key
			snap.Modules, snap.ModuleKeys = feed.out.Bytes(), feed.keys
			b, err := json.Marshal(snap)
			if err != nil {
				return
			}
			_ = rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
			if _, err := w.Write(append(append([]byte("data: "), b...), '\n', '\n')); err != nil {
				return
			}
			flusher.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		case <-displaced: // a newer stream took its place (streams.go)
			return
		case <-tick.C:
		}
	}
}

// eventWriteTimeout bounds the write of one event to a dashboard.
const eventWriteTimeout = 10 * time.Second

// CloseStreams ends every event stream, so that http.Server.Shutdown does
// not wait for open dashboards. Register it with RegisterOnShutdown.
func (s *Server) CloseStreams() {
	s.closeOnce.Do(func() { close(s.closing) })
}
