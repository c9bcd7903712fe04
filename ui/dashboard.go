package ui

import (
	"bytes"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"time"
)

//go:embed static
var static embed.FS

// eventsEvery is how often the event stream looks for changes. It reads
// the runtime's lock-free status, never anything the control loop waits on.
const eventsEvery = 200 * time.Millisecond

// snapshot is what the dashboard renders, as each event carries it. The
// stream writes it field by field into buffers it keeps (eventStream),
// byte for byte as json.Marshal would write this struct.
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
	es := &eventStream{s: s}
	for {
		b, changed, err := es.next()
		if err != nil {
			return
		}
		if changed {
			_ = rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
			if _, err := w.Write(b); err != nil {
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

// eventStream is one open stream's state: the snapshot it refills and the
// buffers it encodes into, kept from one event to the next so that an open
// dashboard makes no garbage but what the modules' Backup and the hardware
// report allocate (issue 28), and what it sent last.
type eventStream struct {
	s      *Server
	st     statusResponse
	op     operateSnapshot
	feed   moduleFeed   // the modules' data, sent when changed
	puts   uint64       // Server.puts, read before the modules
	keys   bytes.Buffer // the "module_keys" array
	key    string       // the module key being encoded (a field: no boxing)
	opJSON bytes.Buffer // the "operate" value; empty without operation
	stJSON bytes.Buffer // the status
	cmp    bytes.Buffer // the event without uptime and tick count
	last   []byte       // cmp of the event sent last, when sent
	out    bytes.Buffer // the event: "data: {...}\n\n"
	enc    *json.Encoder
	encBuf bytes.Buffer // what enc writes into
	sent   bool
}

// encode encodes v into dst as json.Marshal would (no newline). v must be
// a pointer or an interface value already, so that passing it boxes
// nothing.
func (es *eventStream) encode(dst *bytes.Buffer, v any) error {
	if es.enc == nil {
		es.enc = json.NewEncoder(&es.encBuf)
	}
	es.encBuf.Reset()
	if err := es.enc.Encode(v); err != nil {
		return err
	}
	trimNewline(&es.encBuf)
	dst.Write(es.encBuf.Bytes())
	return nil
}

// next builds the snapshot and returns the event to send ("data: ...\n\n")
// with changed true when it differs from the last one sent (uptime and the
// tick count aside). The event is valid until the next call.
func (es *eventStream) next() ([]byte, bool, error) {
	s := es.s
	// The PUT count is read before the modules: an event holds every
	// change a PUT answer with a count up to it reported.
	es.puts = s.puts.Load()
	s.statusInto(&es.st)
	es.opJSON.Reset()
	if s.operateInto(&es.op) {
		if err := es.encode(&es.opJSON, &es.op); err != nil {
			return nil, false, err
		}
	}
	if !es.sent {
		es.feed.sendAll() // a stream's first event carries every module
	}
	modulesChanged, err := es.modules()
	if err != nil {
		return nil, false, err
	}

	es.stJSON.Reset()
	if err := es.encode(&es.stJSON, &es.st); err != nil {
		return nil, false, err
	}
	// Uptime and tick counts always change; they alone do not warrant an
	// event: the comparison leaves their values out.
	es.cmp.Reset()
	withoutNumbers(&es.cmp, es.stJSON.Bytes(), uptimeField, ticksField)
	es.cmp.WriteByte(0) // the status ends here, operate and the PUT count follow
	es.cmp.Write(es.opJSON.Bytes())
	es.cmp.WriteByte(0)
	es.cmp.Write(strconv.AppendUint(es.cmp.AvailableBuffer(), es.puts, 10))
	if es.sent && !modulesChanged && bytes.Equal(es.cmp.Bytes(), es.last) {
		return nil, false, nil
	}
	es.last, es.sent = append(es.last[:0], es.cmp.Bytes()...), true

	es.out.Reset()
	es.out.WriteString("data: ")
	es.join(&es.out)
	es.out.WriteString("\n\n")
	return es.out.Bytes(), true, nil
}

// The status's fields that change at every event (rosys.Status.UptimeS,
// LoopStats.Ticks), as the encoding names them.
var (
	uptimeField = []byte(`"uptime_s":`)
	ticksField  = []byte(`"ticks":`)
)

// withoutNumbers writes status (a status encoded as JSON) to dst without
// the numbers that follow the first occurrence of each field, in order. A
// first occurrence is the field itself: only the robot's name, state and
// start time come before these, and inside an encoded string a quote is
// escaped, so the name cannot hold "uptime_s": or "ticks": as they stand
// here. A field not found leaves the rest as it is (the event is sent).
func withoutNumbers(dst *bytes.Buffer, status []byte, fields ...[]byte) {
	for _, f := range fields {
		i := bytes.Index(status, f)
		if i < 0 {
			break
		}
		i += len(f)
		dst.Write(status[:i])
		status = status[i:]
		j := 0
		for j < len(status) && status[j] != ',' && status[j] != '}' {
			j++
		}
		status = status[j:]
	}
	dst.Write(status)
}

// join writes the snapshot's JSON from its encoded parts, in snapshot's
// field order.
func (es *eventStream) join(dst *bytes.Buffer) {
	dst.WriteString(`{"status":`)
	dst.Write(es.stJSON.Bytes())
	dst.WriteString(`,"modules":`)
	dst.Write(es.feed.out.Bytes())
	dst.WriteString(`,"module_keys":`)
	dst.Write(es.keys.Bytes())
	if es.opJSON.Len() > 0 {
		dst.WriteString(`,"operate":`)
		dst.Write(es.opJSON.Bytes())
	}
	dst.WriteString(`,"puts":`)
	dst.Write(strconv.AppendUint(dst.AvailableBuffer(), es.puts, 10))
	dst.WriteByte('}')
}

// modules updates the feed (the data of the modules that changed) and
// encodes the list of every module's key; changed is true when any data
// or the list changed since the last event.
func (es *eventStream) modules() (changed bool, err error) {
	changed = es.feed.update(es.s.store, es.encode)
	es.keys.Reset()
	es.keys.WriteByte('[')
	for i, k := range es.feed.keys {
		if i > 0 {
			es.keys.WriteByte(',')
		}
		es.key = k
		if err := es.encode(&es.keys, &es.key); err != nil {
			return false, err
		}
	}
	es.keys.WriteByte(']')
	return changed, nil
}

// eventWriteTimeout bounds the write of one event to a dashboard.
const eventWriteTimeout = 10 * time.Second

// CloseStreams ends every event stream, so that http.Server.Shutdown does
// not wait for open dashboards. Register it with RegisterOnShutdown.
func (s *Server) CloseStreams() {
	s.closeOnce.Do(func() { close(s.closing) })
}
