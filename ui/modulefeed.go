package ui

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/gorosys/rosys/persistence/store"
)

// moduleFeed is one event stream's record of the module data it has sent.
// An event carries a module's data only when it differs from what this
// stream sent last (the first event carries every module), and always the
// keys of all modules: the page keeps the data it has for the others and
// drops the modules no longer listed. Sending every module in every event
// cost a robot with 100 modules of 64 KiB 6.4 MB an event, five events a
// second, each encoded twice: 85 MB/s of garbage with one page open, and
// as much to a phone over Wi-Fi.
type moduleFeed struct {
	sent    map[string][]byte // key → the data last sent
	keys    []string          // the keys last sent
	scratch bytes.Buffer
	enc     *json.Encoder
	out     bytes.Buffer // the next event's "modules" object
}

func newModuleFeed() *moduleFeed {
	f := &moduleFeed{sent: map[string][]byte{}}
	f.enc = json.NewEncoder(&f.scratch)
	return f
}

// update encodes every module of st, keeps in f.out the object of those
// that changed since the last update, and reports whether anything did
// (data, or the set of keys).
func (f *moduleFeed) update(st *store.Store) bool {
	f.out.Reset()
	f.out.WriteByte('{')
	if st == nil {
		f.out.WriteByte('}')
		return false
	}
	keys := st.Keys()
	changed := !slices.Equal(keys, f.keys)
	n := 0
	for _, key := range keys {
		mod, ok := st.Module(key)
		if !ok {
			continue
		}
		f.scratch.Reset()
		if err := f.enc.Encode(mod.Backup()); err != nil {
			continue // a module that cannot encode is left out, as before
		}
		data := bytes.TrimSuffix(f.scratch.Bytes(), []byte{'\n'})
		if last, ok := f.sent[key]; ok && bytes.Equal(last, data) {
			continue
		}
		f.sent[key] = append(f.sent[key][:0], data...)
		if n > 0 {
			f.out.WriteByte(',')
		}
		n++
		k, _ := json.Marshal(key)
		f.out.Write(k)
		f.out.WriteByte(':')
		f.out.Write(data)
		changed = true
	}
	f.out.WriteByte('}')
	if changed && !slices.Equal(keys, f.keys) {
		for key := range f.sent {
			if !slices.Contains(keys, key) {
				delete(f.sent, key)
			}
		}
		f.keys = keys
	}
	return changed
}
