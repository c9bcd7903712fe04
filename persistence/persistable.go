package persistence

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync/atomic"

	"github.com/gorosys/rosys/persistence/internal/link"
)

// Persistable is a module whose state is kept across restarts.
//
// Backup is called on the backup goroutine. It must copy the state under the
// module's own lock and return quickly: the returned value is JSON-encoded
// after the lock is released, so it must not share memory that the module
// goes on mutating (return copies of maps and slices).
//
// Restore receives the stored JSON data object (already migrated to the
// module's current schema version) and replaces the module's state with it.
// It should leave the state unchanged when it returns an error.
type Persistable interface {
	Backup() any
	Restore(data json.RawMessage) error
}

// StrictRestorer is implemented by modules that can refuse data with fields
// they do not know. Restore must accept them (files from newer or older
// programs); data typed by a person, through the API, should not.
type StrictRestorer interface {
	RestoreStrict(data json.RawMessage) error
}

// Versioned is implemented by modules whose stored shape changes over time.
// Versions start at 1; a module that does not implement Versioned is at
// version 1.
type Versioned interface {
	// SchemaVersion is the version that Backup produces.
	SchemaVersion() int
	// Migrate turns data stored at version from into version from+1. The
	// store calls it once per step, in order, before Restore.
	Migrate(from int, data json.RawMessage) (json.RawMessage, error)
}

// Tracker counts backup requests. Embed it in a module so that the module
// can call RequestBackup itself, as RoSys' PersistentModule does:
//
//	type Model struct {
//		persistence.Tracker
//		...
//	}
//
// It is a generation counter, not a flag: a request that arrives while the
// store is writing an older snapshot leaves the module marked, so it is
// written again in the next cycle. The zero value is ready to use.
type Tracker struct {
	gen    atomic.Uint64
	notify atomic.Pointer[func()]
}

// RequestBackup marks the module to be written in the next backup cycle.
// It never blocks, so it is safe to call from the control loop.
func (t *Tracker) RequestBackup() {
	t.gen.Add(1)
	if fn := t.notify.Load(); fn != nil {
		(*fn)()
	}
}

func (t *Tracker) tracker() *Tracker { return t }

// tracked is satisfied by any type that embeds Tracker.
type tracked interface{ tracker() *Tracker }

// trackerLink is a Tracker as package store sees it (internal/link).
type trackerLink struct{ t *Tracker }

func (l trackerLink) Generation() uint64 { return l.t.gen.Load() }

func (l trackerLink) SetNotify(fn func()) { l.t.notify.Store(&fn) }

func init() {
	link.TrackerOf = func(p any) (link.Tracked, bool) {
		t, ok := p.(tracked)
		if !ok {
			return nil, false
		}
		return trackerLink{t.tracker()}, true
	}
}

// SharedBackup is a Persistable whose snapshot can be lent instead of
// returned: BackupShared returns what Backup would, as a pointer the
// caller must not keep or change, valid until ReleaseBackup, which the
// caller must call once it is done with it (and only then may it call
// BackupShared again). Value has it; see SharedBackupOf.
type SharedBackup interface {
	BackupShared() any
	ReleaseBackup()
}

// SharedBackupOf is p's SharedBackup if p is a *Value itself. A type that
// embeds a Value has its methods too, but may have a Backup of its own,
// which the promoted BackupShared would pass over: only the Value itself
// is taken.
func SharedBackupOf(p Persistable) (SharedBackup, bool) {
	sb, ok := p.(SharedBackup)
	if !ok {
		return nil, false
	}
	t := reflect.TypeOf(p)
	if t.Kind() != reflect.Pointer {
		return nil, false
	}
	t = t.Elem()
	if t.PkgPath() != valuePkg || !strings.HasPrefix(t.Name(), "Value[") {
		return nil, false
	}
	// A Value of a T that json encodes differently behind a pointer keeps
	// Backup's copy: the file must not change with the way it is taken.
	if f, ok := t.FieldByName("v"); !ok || addrSensitive(f.Type, map[reflect.Type]bool{}) {
		return nil, false
	}
	return sb, true
}

// addrSensitive says whether encoding/json encodes a t behind a pointer
// differently from a t in an interface: a value it reaches is addressable
// only behind the pointer, and then a MarshalJSON or MarshalText with a
// pointer receiver is called that is not called otherwise. What
// addressability changes is t itself and what it holds inline (struct
// fields, array elements); behind a pointer or in a slice a value is
// addressable either way, and a map's values never are.
func addrSensitive(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		pt := reflect.PointerTo(t)
		for _, m := range []reflect.Type{jsonMarshaler, textMarshaler} {
			if pt.Implements(m) && !t.Implements(m) {
				return true
			}
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if addrSensitive(t.Field(i).Type, seen) {
				return true
			}
		}
	case reflect.Array:
		return addrSensitive(t.Elem(), seen)
	}
	return false
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// valuePkg is the import path of Value.
var valuePkg = reflect.TypeFor[Value[int]]().PkgPath()
