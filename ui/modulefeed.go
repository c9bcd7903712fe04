package ui

import (
	"bytes"
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
	sent  map[string][]byte // key → the data last sent
	keys  []string          // every module's key, sorted
	now   []string          // the keys read this time
	val   bytes.Buffer
	key   string       // the key being encoded (a field: no boxing)
	out   bytes.Buffer // the next event's "modules" object
	stale bool         // send every module next time (sendAll)
}

// sendAll makes the next update send every module's data.
func (f *moduleFeed) sendAll() { f.stale = true }

// update encodes every module of st with encode, keeps in f.out the
// object of those that changed since the last update (or all, after
// sendAll), and reports whether anything did (data, or the set of keys).
// A module whose data does not encode is left out of the object.
func (f *moduleFeed) update(st *store.Store, encode func(dst *bytes.Buffer, v any) error) bool {
	if f.sent == nil {
		f.sent = map[string][]byte{}
	}
	all := f.stale
	f.stale = false
	f.out.Reset()
	f.out.WriteByte('{')
	f.now = f.now[:0]
	if st != nil {
		f.now = append(f.now, st.Keys()...)
		slices.Sort(f.now)
	}
	changed := all || !slices.Equal(f.now, f.keys)
	if changed {
		f.keys = append(f.keys[:0], f.now...)
		for key := range f.sent {
			if _, found := slices.BinarySearch(f.keys, key); !found {
				delete(f.sent, key)
			}
		}
	}
	n := 0
	for _, key := range f.keys {
		mod, ok := st.Module(key)
		if !ok {
			continue
		}
		f.val.Reset()
		if encode(&f.val, mod.Backup()) != nil {
			continue
		}
		last, seen := f.sent[key]
		if seen && !all && bytes.Equal(last, f.val.Bytes()) {
			continue
		}
		f.sent[key] = append(last[:0], f.val.Bytes()...)
		if n > 0 {
			f.out.WriteByte(',')
		}
		n++
		f.key = key
		_ = encode(&f.out, &f.key) // a string always encodes
		f.out.WriteByte(':')
		f.out.Write(f.val.Bytes())
		changed = true
	}
	f.out.WriteByte('}')
	return changed
}
