package ui

import (
	"encoding/json"
	"fmt"
)

// EventStream is one open event stream's state.
type EventStream = eventStream

// NextEvent builds the event an open stream would send now, as if the
// stream had sent nothing before (so it is always built in full), for the
// allocation tests and benchmarks in package ui_test. The event is valid
// until the next call.
func (s *Server) NextEvent(es *EventStream) ([]byte, error) {
	es.s, es.sent = s, false
	b, _, err := es.next()
	return b, err
}

// ReferenceEvent is the event es built last, as json.Marshal encodes the
// snapshot struct: the stream must send these bytes.
func ReferenceEvent(es *EventStream) ([]byte, error) {
	var mods map[string]json.RawMessage
	if err := json.Unmarshal(es.feed.out.Bytes(), &mods); err != nil {
		return nil, fmt.Errorf("modules %s: %w", es.feed.out.Bytes(), err)
	}
	b, err := json.Marshal(mods)
	if err != nil {
		return nil, err
	}
	keys := es.feed.keys
	if keys == nil {
		keys = []string{} // the stream writes []
	}
	snap := snapshot{Status: es.st, Modules: b, ModuleKeys: keys, Puts: es.puts}
	if es.opJSON.Len() > 0 {
		snap.Operate = &es.op
	}
	b, err = json.Marshal(snap)
	return append(append([]byte("data: "), b...), '\n', '\n'), err
}
