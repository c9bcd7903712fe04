package persistence

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// Value holds a piece of persistent state behind its own lock, so that most
// modules never write Backup and Restore by hand:
//
//	settings := persistence.NewValue(Settings{MaxSpeed: 0.5})
//	store.Register("settings", settings)
//	settings.Update(func(s *Settings) { s.MaxSpeed = 0.8 }) // marked for backup
//
// T must be JSON-encodable. Get returns a copy, and Restore decodes over the
// defaults given to NewValue, so a field missing from the stored data keeps
// its default instead of becoming zero.
type Value[T any] struct {
	Tracker

	mu  sync.RWMutex
	v   T
	def T

	// snapMu guards snap, the copy BackupShared lends (see SharedBackup).
	snapMu sync.Mutex
	snap   T

	deep       bool
	version    int
	migrations map[int]Migration
	validate   []func(T) error
	onChange   []func(T)
}

// Migration turns data stored at one schema version into the next version.
type Migration func(data json.RawMessage) (json.RawMessage, error)

// ValueOption configures a Value.
type ValueOption[T any] func(*Value[T])

// WithSchema declares the schema version the Value writes and the
// migrations from older versions: migrations[n] turns version n into n+1.
func WithSchema[T any](version int, migrations map[int]Migration) ValueOption[T] {
	return func(v *Value[T]) {
		v.version = version
		v.migrations = migrations
	}
}

// Validate adds a check that every state restored into the Value must
// pass (from its file at start-up, an import, an API PUT): data that
// fails is refused with fn's error and the value keeps what it had. At
// start-up such a file is treated as damaged: kept aside, and the previous
// generation or the defaults used. Set and Update are the program's own
// changes and are not checked.
func Validate[T any](fn func(T) error) ValueOption[T] {
	return func(v *Value[T]) { v.validate = append(v.validate, fn) }
}

// NewValue returns a Value holding a copy of defaults.
func NewValue[T any](defaults T, opts ...ValueOption[T]) *Value[T] {
	deep := needsDeepCopy(reflect.TypeFor[T]())
	v := &Value[T]{
		v:       deepCopy(defaults, deep),
		def:     deepCopy(defaults, deep),
		deep:    deep,
		version: 1,
	}
	for _, o := range opts {
		o(v)
	}
	return v
}

// Get returns a copy of the current value. For a T without maps, slices or
// pointers it does not allocate.
func (v *Value[T]) Get() T {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return deepCopy(v.v, v.deep)
}

// Set replaces the value and marks it for backup. The Value takes ownership
// of x: do not modify maps or slices in x afterwards.
func (v *Value[T]) Set(x T) {
	v.mu.Lock()
	v.v = x
	v.mu.Unlock()
	v.changed()
}

// Update changes the value in place under the lock and marks it for backup.
// fn must not keep the pointer or call other methods of v.
func (v *Value[T]) Update(fn func(*T)) {
	v.mu.Lock()
	fn(&v.v)
	v.mu.Unlock()
	v.changed()
}

// OnChange registers fn to be called with a copy of the value after every
// Set, Update and Restore (on the caller's goroutine, after the lock is
// released). Register before the value is shared.
func (v *Value[T]) OnChange(fn func(T)) { v.onChange = append(v.onChange, fn) }

func (v *Value[T]) changed() {
	v.RequestBackup()
	if len(v.onChange) == 0 {
		return
	}
	cur := v.Get()
	for _, fn := range v.onChange {
		fn(cur)
	}
}

// Backup implements Persistable: a deep copy taken under a read lock; the
// store encodes it after the lock is released.
func (v *Value[T]) Backup() any { return v.Get() }

// BackupShared implements SharedBackup: Backup's copy, kept in the Value
// and lent as a pointer until ReleaseBackup (returning T itself as an
// interface allocates the size of T on every backup). Set, Update and
// Get do not wait for the loan; another BackupShared does.
func (v *Value[T]) BackupShared() any {
	v.snapMu.Lock()
	ok := false
	defer func() {
		if !ok { // a panic in the copy: nothing is lent
			v.snapMu.Unlock()
		}
	}()
	v.snap = v.Get()
	ok = true
	return &v.snap
}

// ReleaseBackup ends BackupShared's loan; the copy is dropped, so the
// Value holds no second copy of its maps and slices between backups.
func (v *Value[T]) ReleaseBackup() {
	var zero T
	v.snap = zero
	v.snapMu.Unlock()
}

// Restore implements Persistable. It decodes data over the defaults and
// replaces the value only if decoding succeeds.
func (v *Value[T]) Restore(data json.RawMessage) error { return v.restore(data, false) }

// RestoreStrict is Restore, but refuses fields that T does not have. The
// HTTP API uses it, so that a typo in a key is an error, not a reset.
func (v *Value[T]) RestoreStrict(data json.RawMessage) error { return v.restore(data, true) }

func (v *Value[T]) restore(data json.RawMessage, strict bool) error {
	x, err := fromJSON(data, v.def, strict)
	if err != nil {
		return err
	}
	for _, check := range v.validate {
		if err := check(x); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidValue, err)
		}
	}
	v.mu.Lock()
	v.v = x
	v.mu.Unlock()
	for _, fn := range v.onChange {
		fn(v.Get())
	}
	return nil
}

// SchemaVersion implements Versioned.
func (v *Value[T]) SchemaVersion() int { return v.version }

// Migrate implements Versioned.
func (v *Value[T]) Migrate(from int, data json.RawMessage) (json.RawMessage, error) {
	m, ok := v.migrations[from]
	if !ok {
		return nil, fmt.Errorf("no migration from schema version %d to %d", from, from+1)
	}
	return m(data)
}
