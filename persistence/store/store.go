package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/internal/procs"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/link"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap"
)

// Store keeps registered modules in one directory, one file per module:
// <dir>/<key>.json. One process at a time owns a directory (see Open).
type Store struct {
	// statusEntries is StatusInto's copy of the entries, kept between
	// calls; statusMu guards it.
	statusMu      sync.Mutex
	statusEntries []*entry

	dir string
	log *zap.Logger
	now func() time.Time
	fs  vfs.FS
	w   atomicfile.Writer
	// dirName is dir prepared for the cycle's directory fsync.
	dirName *vfs.Name
	lock    io.Closer

	mu      sync.Mutex // guards entries and order
	entries map[string]*entry
	order   []*entry

	writeMu sync.Mutex // serialises backup cycles and flushes; never taken by modules
	// A cycle's lists, reused by the next (guarded by writeMu): the
	// modules, those to write, those written.
	cycleEntries []*entry
	jobs         []*writeJob
	wrote        []written
	cyc          cycle // writeAll's, reused
	// durable wakes WaitDurable whenever a commit became durable.
	durable broadcast
	// exportTurn (one token) makes exports take turns before writeMu:
	// see takeExportTurn.
	exportTurn chan struct{}
	wake       chan struct{}
	mirror     *mirror.Mirror
	access     SnapshotAccess
	mode       Mode
	writers    int
	maxFile    int64 // largest module file read
	format     FileFormat
	sideW      atomicfile.Writer // format rosys: the sidecar directory
	hist       *history.History
	histCfg    *history.Config // set by WithHistory; the History is made at Open
	// histMu guards histDone: closed when the last cycle's history record
	// (run after the cycle returned, see recordHistoryAsync) is finished.
	histMu   sync.Mutex
	histDone chan struct{}
	// sparesInDoubt: a failed directory fsync left a spare that could not
	// be removed (atomicfile.ForgetRecycled failed). The disk may still
	// give it an earlier name (.prev), so no write may go over it before
	// the directory has been fsynced (see commitLocked). Read under writeMu.
	sparesInDoubt atomic.Bool
	// unresolved is a failed import whose roll back is not recorded yet
	// (resolveImportLocked); guarded by writeMu.
	unresolved *archive.ImportRecord
	// imports is the import journal as last read (Imports).
	imports atomic.Pointer[[]archive.ImportRecord]
	// releaseP gives back the writers' P (see writersP); nil if none held.
	releaseP func()
	// reserved are module files whose keys are now reserved (see
	// ValidateKey), found at open: kept untouched and reported.
	reserved []string
}

// writersP is one more P than the program would have, held while any
// store that writes files is open. A writer in write(2) or fsync(2) keeps
// its P until Go's sysmon takes it back, and sysmon checks only every
// 20 µs to 10 ms (longer the quieter the program was before): during
// that time the encoders, which need the CPU the writer is not using,
// have one P fewer. Measured on 2 cores: a cycle of 10 modules of 1 MiB
// 12.8 ms with 2 Ps, 10.3 ms with 3 (raw durable writes: 10.3 ms), and
// 100 of 1 KiB twice as fast. One P for all stores: they share the CPUs.
var writersP procs.Shared

// entry is one registered module.
type entry struct {
	key string
	mod persistence.Persistable
	// shared is mod's SharedBackup (a Value): its snapshot is lent to
	// the encoder, not boxed anew every cycle.
	shared  persistence.SharedBackup
	tracker link.Tracked // nil unless the module embeds persistence.Tracker
	version int
	// names are the module file's names, prepared once for the writes
	// (atomicfile.Names): a cycle builds no path for them.
	names *atomicfile.Names

	requests atomic.Uint64 // requests made through Store.RequestBackup
	saved    atomic.Uint64 // generation of the last durable write
	restored atomic.Bool
	// fileSize is the size of the module's file as last read (Restore) or
	// written: from encodeAheadMin on, the next write is encoded ahead.
	fileSize atomic.Int64
	selected bool
	// histBounds overrides the history bounds (WithModuleHistory).
	histBounds *history.Bounds

	stMu sync.Mutex
	st   persistence.ModuleStatus
	// blocked refuses writes: the file on disk could not be read and could
	// not be moved aside either, so writing would destroy it.
	blocked error
	// gens are the generations the sidecar names (format rosys), newest
	// first; guarded by stMu.
	gens []generation
	// kinds is how the data the module was last restored from spelled
	// its numbers (7 or 7.0), kept when it is written again.
	kinds atomic.Pointer[modfile.NumberKinds]
	// job is the module's write in the current cycle (guarded by writeMu).
	job writeJob
}

// generation grows with every backup request for the module.
func (e *entry) generation() uint64 {
	g := e.requests.Load()
	if e.tracker != nil {
		g += e.tracker.Generation()
	}
	return g
}

// Option configures a Store.
type Option func(*Store)

// WithLogger sets the logger; the store names it "persistence".
func WithLogger(l *zap.Logger) Option { return func(s *Store) { s.log = l } }

// WithClock sets the time source for save times and corrupt-file names.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithFS makes the store read and write through fsys instead of the
// operating system's file system (vfs.OS). Tests use it to put a model of
// the page cache or an error injector underneath.
func WithFS(fsys vfs.FS) Option { return func(s *Store) { s.fs = fsys } }

// WithWriters sets how many module files a backup cycle writes at once
// (default 4; 1 writes them one after another). Files are encoded ahead
// of the writers, by as many goroutines again (at most GOMAXPROCS), so up
// to twice n encoded files are in memory during a cycle. The batch is
// durable, and reported so, only after all of them and the directory are
// synced, whatever the number.
func WithWriters(n int) Option {
	return func(s *Store) { s.writers = max(n, 1) }
}

// WithKeepPrevious sets whether each write keeps the file it replaces as
// <key>.json.prev, the generation used when the current one is damaged.
// The default is true.
func WithKeepPrevious(keep bool) Option { return func(s *Store) { s.w.KeepPrev = keep } }

// WithAccess sets how stored state is used (default AccessFull):
// AccessRecord starts every module from its defaults and writes;
// AccessReplay restores and never writes anything (no backups, no flush,
// no import, no uploads), so it is safe on a copy of a robot's data.
func WithAccess(a SnapshotAccess) Option { return func(s *Store) { s.access = a } }

// WithMode sets what is persisted (default ModePersisting). With
// ModeSelectivePersisting only modules registered with Selected() are
// restored and written; the others are kept in memory only.
func WithMode(m Mode) Option { return func(s *Store) { s.mode = m } }

// RegisterOption configures one registration.
type RegisterOption func(*entry)

// Selected marks a module for persistence under ModeSelectivePersisting.
func Selected() RegisterOption { return func(e *entry) { e.selected = true } }

// ReadOnly reports whether the store never writes (AccessReplay).
func (s *Store) ReadOnly() bool { return s.access == AccessReplay }

// WithMirror copies every commit to remote storage (see [mirror.Mirror]), and
// recovers from it modules that have no local file at start.
func WithMirror(m *mirror.Mirror) Option { return func(s *Store) { s.mirror = m } }

// Mirror is the store's mirror, or nil.
func (s *Store) Mirror() *mirror.Mirror { return s.mirror }

// Open creates dir if needed, locks it against other processes and removes
// temporary files that an interrupted write left behind.
func Open(dir string, opts ...Option) (*Store, error) {
	s := &Store{
		exportTurn: make(chan struct{}, 1),
		dir:        dir,
		log:        zap.NewNop(),
		now:        time.Now,
		fs:         vfs.OS{},
		w:          atomicfile.Writer{Dir: dir, KeepPrev: true},
		entries:    map[string]*entry{},
		wake:       make(chan struct{}, 1),
		access:     AccessFull,
		mode:       ModePersisting,
		writers:    4,
		maxFile:    DefaultMaxFileBytes,
		format:     FormatRoSysGo,
	}
	for _, o := range opts {
		o(s)
	}
	s.log = s.log.Named("persistence")
	s.w.FS = s.fs
	s.dirName = vfs.NewName(dir)
	s.sideW = atomicfile.Writer{FS: s.fs, Dir: filepath.Join(dir, SidecarDir)}
	s.openHistory()
	// Nothing else links .prev (the history keeps versions in files of
	// their own): the generation it replaces is kept for the next write
	// to write over instead of being freed.
	s.w.RecyclePrev = atomicfile.CanRecycle(s.fs)
	if s.mirror != nil {
		s.mirror.Attach(s.fs, dir)
	}
	if err := atomicfile.MkdirDurable(s.fs, dir); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	lock, err := s.lockDir()
	if err != nil {
		return nil, err
	}
	s.lock = lock
	if s.format == FormatRoSys && s.access != AccessReplay {
		if err := atomicfile.MkdirDurable(s.fs, s.sideW.Dir); err != nil {
			lock.Close()
			return nil, fmt.Errorf("create sidecar directory: %w", err)
		}
		if err := atomicfile.RemoveTemporaries(s.fs, s.sideW.Dir); err != nil {
			lock.Close()
			return nil, fmt.Errorf("remove temporary files in %s: %w", s.sideW.Dir, err)
		}
	}
	sweep := atomicfile.RemoveTemporaries
	if s.w.RecyclePrev {
		sweep = atomicfile.KeepSpares // written over by the first cycle instead of freed
	}
	if err := sweep(s.fs, dir); err != nil {
		lock.Close()
		return nil, fmt.Errorf("remove temporary files in %s: %w", dir, err)
	}
	if s.w.RecyclePrev {
		// A spare kept may be a version that a run of an earlier version,
		// with history, handed back and could not remove after a failed
		// fsync of history/: on the disk it may still be listed there. KeepSpares made the data
		// directory durable; history/ must be too before it is written over.
		// If that fsync fails the spares go, as without recycling.
		if err := syncHistoryDir(s.fs, dir); err != nil {
			s.log.Warn("spare files removed: the history directory could not be fsynced", zap.Error(err))
			if err := atomicfile.RemoveTemporaries(s.fs, dir); err != nil {
				lock.Close()
				return nil, fmt.Errorf("remove temporary files in %s: %w", dir, err)
			}
		}
	}
	if s.hist != nil && s.access != AccessReplay {
		// History versions that an earlier version hard-linked to module
		// files are copied out now, before anyone edits a module file in
		// place (package history, CheckShared).
		if keys, err := s.hist.CheckShared(); err != nil {
			s.log.Warn("history: versions shared with module files not checked", zap.Error(err))
		} else if len(keys) > 0 {
			s.log.Info("history: versions shared with module files (an earlier version's hard links) checked and copied out", zap.Strings("modules", keys))
		}
	}
	if s.access != AccessReplay {
		// Before anything reads the modules' files: an import cut off by a
		// crash is rolled back as a whole (archive/journal.go).
		rec, err := archive.RecoverImport(s.fs, dir, s.now())
		if rec != nil {
			s.log.Warn("an import was cut off before it was complete",
				zap.String("archive", rec.ID), zap.String("outcome", rec.Outcome), zap.String("rollback", rec.Rollback), zap.Error(err))
		}
		if errors.Is(err, archive.ErrJournalDamaged) {
			s.log.Error("import journal damaged; kept aside", zap.Error(err))
		} else if err != nil && !errors.Is(err, archive.ErrRollbackMissing) {
			// The files are a mix of two states and the disk refuses the
			// writes that would undo it: starting would use that mix.
			lock.Close()
			return nil, fmt.Errorf("roll back an import that was cut off: %w", err)
		}
	}
	s.refreshImports()
	s.findReserved()
	if _, real := s.fs.(vfs.OS); real && s.access != AccessReplay {
		s.releaseP = writersP.Hold()
	}
	return s, nil
}

// Close releases the directory lock. It does not flush: call Flush first.
func (s *Store) Close() error {
	if s.releaseP != nil {
		s.releaseP()
	}
	s.waitHistory()
	if s.hist != nil {
		_ = s.hist.Close() // only an index, rebuilt from the files if lost
	}
	return s.lock.Close()
}

// Dir is the directory the store writes to.
func (s *Store) Dir() string { return s.dir }

// Path is the file that holds the module registered under key.
func (s *Store) Path(key string) string { return filepath.Join(s.dir, key+".json") }

// Register adds a module under key. Keys are validated (see ValidateKey)
// and must be unique. The module is restored by the next Restore call.
func (s *Store) Register(key string, p persistence.Persistable, opts ...RegisterOption) error {
	if err := persistence.ValidateKey(key); err != nil {
		return err
	}
	if p == nil {
		return fmt.Errorf("register %q: nil module", key)
	}
	e := &entry{key: key, mod: p, version: 1}
	for _, o := range opts {
		o(e)
	}
	if e.histBounds != nil {
		if err := e.histBounds.Validate(); err != nil {
			return fmt.Errorf("register %q: history: %w", key, err)
		}
		if s.hist != nil {
			s.hist.SetBounds(key, *e.histBounds)
		}
	}
	if v, ok := p.(persistence.Versioned); ok {
		e.version = v.SchemaVersion()
		if e.version < 1 {
			return fmt.Errorf("register %q: schema version %d, versions start at 1", key, e.version)
		}
	}
	e.names = s.w.Names(key + ".json")
	e.shared, _ = persistence.SharedBackupOf(p)
	e.st = persistence.ModuleStatus{Key: key, SchemaVersion: e.version}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.entries[key]; dup {
		return fmt.Errorf("%w: %q", ErrDuplicateKey, key)
	}
	if t, ok := link.TrackerOf(p); ok {
		e.tracker = t
		t.SetNotify(s.signal)
	}
	s.entries[key] = e
	s.order = append(s.order, e)
	return nil
}

// WaitDurable blocks until every change the module under key had when
// WaitDurable was called is durable (written and its directory synced), or
// ctx ends. With a backup cycle the wait can last a cycle; with
// snapshot_interval 0 it is one commit.
func (s *Store) WaitDurable(ctx context.Context, key string) error {
	e, err := s.entry(key)
	if err != nil {
		return err
	}
	if s.ReadOnly() || !s.persisted(e) {
		return fmt.Errorf("module %q: %w", key, ErrReadOnly)
	}
	target := e.generation()
	for {
		ch := s.durable.wait()
		if e.saved.Load() >= target {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Keys lists the registered keys in registration order.
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, len(s.order))
	for i, e := range s.order {
		keys[i] = e.key
	}
	return keys
}

// Module returns the module registered under key.
func (s *Store) Module(key string) (persistence.Persistable, bool) {
	e, err := s.entry(key)
	if err != nil {
		return nil, false
	}
	return e.mod, true
}

// RequestBackup marks the module under key for the next backup cycle. It
// never blocks.
func (s *Store) RequestBackup(key string) error {
	e, err := s.entry(key)
	if err != nil {
		return err
	}
	e.requests.Add(1)
	s.signal()
	return nil
}

// Requests delivers a value whenever a module asks for a backup, so a
// backup loop can commit at once instead of waiting for its next cycle.
// Requests that arrive while nobody reads are coalesced into one.
func (s *Store) Requests() <-chan struct{} { return s.wake }

func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Store) entry(key string) (*entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, key)
	}
	return e, nil
}

func (s *Store) snapshotEntries() []*entry { return s.appendEntries(nil) }

// appendEntries appends the registered modules, in registration order,
// to buf.
func (s *Store) appendEntries(buf []*entry) []*entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(buf, s.order...)
}

// broadcast wakes every waiter at once: wait gives a channel that the
// next wake closes. The channel is made only when someone took the last
// one, so wakes nobody waits for allocate nothing.
type broadcast struct {
	mu    sync.Mutex
	ch    chan struct{}
	taken bool
}

func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	b.taken = true
	return b.ch
}

func (b *broadcast) wake() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.taken {
		close(b.ch)
		b.ch, b.taken = nil, false
	}
}

// persisted reports whether e is stored at all in this mode.
func (s *Store) persisted(e *entry) bool {
	return s.mode != ModeSelectivePersisting || e.selected
}

// lockDir takes the directory lock. Something other than a regular file
// in place of .lock (a FIFO, a device, a link) is moved aside, and the
// lock taken on a fresh file: it was never a lock another process held.
func (s *Store) lockDir() (io.Closer, error) {
	lock, err := s.fs.Lock(s.dir)
	if err == nil || !errors.Is(err, ErrNotRegular) {
		return lock, err
	}
	path := filepath.Join(s.dir, ".lock")
	aside, mvErr := atomicfile.MoveAside(s.fs, path, s.now())
	if mvErr != nil {
		return nil, fmt.Errorf("%w; cannot move it aside: %v", err, mvErr)
	}
	s.log.Error("lock file is not a regular file; moved aside", zap.Error(err), zap.String("moved_to", aside))
	return s.fs.Lock(s.dir)
}
