package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap"
)

// BackupRequested writes every module that asked for a backup since its
// last durable write: one backup cycle. Modules that did not ask are not
// touched. The error joins one error per module that failed; the others are
// written regardless.
func (s *Store) BackupRequested(ctx context.Context) error { return s.commit(ctx, false) }

// Flush writes every restored module, whether it asked or not, as RoSys
// does at shutdown. Like BackupRequested it writes all it can and names each
// module that failed.
func (s *Store) Flush(ctx context.Context) error { return s.commit(ctx, true) }

type written struct {
	e      *entry
	gen    uint64
	size   int
	meta   *generation // format rosys: what the sidecar now names first
	sum    [32]byte    // sha256 of the file, for the history (format rosys; else taken by recordHistory)
	summed bool
}

func (s *Store) commit(ctx context.Context, all bool) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.commitLocked(ctx, all)
}

// commitLocked is commit for a caller that holds writeMu.
func (s *Store) commitLocked(ctx context.Context, all bool) error {
	if s.ReadOnly() {
		return nil // replay: the stored state is only ever read
	}
	// The last cycle's history links its files by path: they must be
	// linked before this cycle renames new files over them.
	s.waitHistory()
	if err := s.resolveImportLocked(); err != nil {
		s.log.Error("backup held back", zap.Error(err))
		return fmt.Errorf("nothing written: %w", err)
	}
	at := s.now()
	// The cycle's lists are the store's, reused (the caller holds writeMu,
	// and the last cycle's history record, which read wrote, is done):
	// a cycle whose modules do not grow makes no garbage for them.
	var errs []error
	s.cycleEntries = s.appendEntries(s.cycleEntries[:0])
	jobs := s.jobs[:0]
	for _, e := range s.cycleEntries {
		// The generation is read before the snapshot is taken: a request
		// that arrives after this point is newer than what gets written and
		// leaves the module marked for the next cycle.
		gen := e.generation()
		if !s.persisted(e) || (!all && gen == e.saved.Load()) {
			continue
		}
		if !e.restored.Load() {
			errs = append(errs, fmt.Errorf("module %q: %w", e.key, ErrNotRestored))
			continue
		}
		e.job = writeJob{e: e, gen: gen}
		jobs = append(jobs, &e.job)
	}
	s.jobs = jobs
	clear(s.cycleEntries) // holds no module past the cycle
	w := s.w              // this cycle's writer
	if len(jobs) > 0 && s.sparesInDoubt.Load() {
		// A spare a failed cycle could not remove may still be .prev on
		// the disk. Once the directory as it is now is durable it is
		// nothing but a spare (as at open, KeepSpares); until then nothing
		// is written over it. (The history keeps its spares in its own
		// directory and its own doubt: package history.)
		if err := s.w.Sync(); err != nil {
			// The commit's own directory: its fsync would fail too.
			err = fmt.Errorf("fsync %s before writing over spares a failed cycle left: %w", s.dir, err)
			for _, j := range jobs {
				j.e.setError(err)
			}
			s.log.Error("backup failed", zap.Error(err))
			return errors.Join(append(errs, err)...)
		}
		s.sparesInDoubt.Store(false)
	}
	s.writeAll(ctx, w, jobs, at)
	wrote := s.wrote[:0]
	if s.format == FormatRoSys {
		s.renameRoSys(w, jobs)
	}
	for _, j := range jobs { // in registration order, whatever order they ran in
		if j.err != nil {
			// Its directory operations may not become durable: its spare
			// files must not be written over (atomicfile.ForgetRecycled).
			s.forgetRecycled(j.e.key)
			err := fmt.Errorf("module %q: %w", j.e.key, j.err)
			if ctx.Err() == nil || !errors.Is(j.err, ctx.Err()) {
				j.e.setError(err)
				s.log.Error("backup failed", zap.String("module", j.e.key), zap.Error(err))
			}
			errs = append(errs, err)
			continue
		}
		if j.data != nil && s.hist != nil { // format rosys: the data file as written, in memory anyway
			j.sum, j.summed = sha256.Sum256(j.data), true
		}
		wrote = append(wrote, written{j.e, j.gen, j.size, j.meta, j.sum, j.summed})
	}
	s.wrote = wrote
	for _, j := range jobs {
		j.data = nil // format rosys: the cycle's data files are not kept
	}
	if len(wrote) == 0 {
		return errors.Join(errs...)
	}
	// One directory fsync makes the whole batch durable; until it returns
	// nothing of the batch counts as saved.
	if err := s.w.SyncName(s.dirName); err != nil {
		for _, w := range wrote {
			w.e.setError(err)
			s.forgetRecycled(w.e.key)
		}
		s.log.Error("backup failed", zap.Error(err))
		return errors.Join(append(errs, err)...)
	}
	if s.mirror != nil {
		keys := make([]string, len(wrote))
		for i, w := range wrote {
			keys[i] = w.e.key
		}
		s.mirror.Committed(keys)
	}
	for _, w := range wrote {
		w.e.saved.Store(w.gen)
		w.e.fileSize.Store(int64(w.size))
		w.e.stMu.Lock()
		w.e.st.LastSaved = at
		w.e.st.Size = w.size
		w.e.st.Saves++
		w.e.st.LastError = ""
		if w.meta != nil {
			w.e.gens = append([]generation{*w.meta}, w.e.gens...)[:min(len(w.e.gens)+1, modfile.SidecarKeep)]
		}
		w.e.stMu.Unlock()
	}
	s.durable.wake()                                                    // wakes WaitDurable
	s.recordHistoryAsync(wrote, at)                                     // after the commit counts: never delays or fails it
	if ce := s.log.Check(zap.DebugLevel, "backup written"); ce != nil { // no fields made unless logged
		ce.Write(zap.Int("modules", len(wrote)), zap.Bool("flush", all))
	}
	return errors.Join(errs...)
}

// syncHistoryDir fsyncs dir's history directory, if there is one. Data
// directories of earlier versions may hold a spare that was a history
// version handed back (see Open).
func syncHistoryDir(fsys vfs.FS, dir string) error {
	err := fsys.SyncDir(filepath.Join(dir, history.Dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// forgetRecycled removes key's spares after its writes may not have
// become durable (atomicfile.ForgetRecycled); one that stays puts the
// spares in doubt until a directory fsync succeeds.
func (s *Store) forgetRecycled(key string) {
	if err := s.w.ForgetRecycled(key + ".json"); err != nil {
		s.sparesInDoubt.Store(true)
		s.log.Warn("spare file not removed after a failed commit", zap.String("module", key), zap.Error(err))
	}
}

type writeJob struct {
	e      *entry
	gen    uint64
	size   int
	sum    [32]byte
	summed bool // sum is set (the history needs it)
	err    error
	ahead  bool        // encoded ahead of the writers (a large module)
	data   []byte      // format rosys: the data file, renamed in a second step
	meta   *generation // format rosys: its sidecar record
}

// encodeAheadMin is the size of file, as last read or written, from which
// a module is encoded ahead of the writers (a module restored from no
// file counts as small). Below it the writer encodes the
// module itself: encoding then takes less than the hand-off between
// goroutines can cost (a goroutine woken while both Ps sit in fsyncs waits
// for the scheduler to take one back), and a cycle of ten 1 KiB or 64 KiB
// files measured slower with every file handed over.
const encodeAheadMin = 256 << 10

// writeAll runs the jobs: up to s.writers files are written at once. Each
// write is mostly waiting for its fsync; with several in flight the file
// system commits the fsyncs together (ext4 joins concurrent fsyncs into one
// journal commit). Large modules are encoded by a stage of their own ahead
// of the writers, so a writer that finishes a file finds the next one
// already encoded instead of encoding it while the disk idles (for 1 MiB
// modules encoding takes about as long as the write). Jobs that did not
// start before ctx ended fail with its error.
func (s *Store) writeAll(ctx context.Context, w atomicfile.Writer, jobs []*writeJob, at time.Time) {
	if s.format == FormatRoSys {
		s.runJobs(ctx, jobs, s.writers, func(j *writeJob) { j.err = s.writeRoSysSidecar(j, at) })
		return
	}
	large := 0
	for _, j := range jobs {
		j.ahead = j.e.fileSize.Load() >= encodeAheadMin
		if j.ahead {
			large++
		}
	}
	// An encoded file waits in the unbuffered channel until a writer takes
	// it, so at most encoders + writers files are in memory at once. The
	// channels are the store's, made once: the cycle ends its goroutines
	// with a zero job each instead of closing them.
	c := &s.cyc
	if c.ready == nil {
		c.ready = make(chan encodedJob)
		c.toEncode = make(chan *writeJob)
	}
	c.s, c.w, c.at = s, w, at
	nw := min(s.writers, len(jobs))
	c.writers.Add(nw)
	for range nw {
		go c.writer()
	}
	ne := min(s.writers, runtime.GOMAXPROCS(0), large)
	c.encoders.Add(ne)
	for range ne {
		go c.encoder()
	}
	for _, j := range jobs {
		switch {
		case ctx.Err() != nil:
			j.err = fmt.Errorf("stopped before writing: %w", ctx.Err())
		case j.ahead:
			c.toEncode <- j
		default:
			c.ready <- encodedJob{j: j}
		}
	}
	for range ne {
		c.toEncode <- nil
	}
	c.encoders.Wait()
	for range nw {
		c.ready <- encodedJob{}
	}
	c.writers.Wait()
	c.s = nil
}

// cycle is what writeAll's goroutines share: one per store, reused by
// every cycle (guarded by writeMu), so that starting them allocates no
// channels, wait groups or closures' state.
type cycle struct {
	s  *Store
	w  atomicfile.Writer
	at time.Time
	// ready carries a job to the writers (encoded ahead, or for them to
	// encode); a zero one ends a writer.
	ready chan encodedJob
	// toEncode carries large jobs to the encoders; nil ends one.
	toEncode          chan *writeJob
	writers, encoders sync.WaitGroup
}

func (c *cycle) writer() {
	defer c.writers.Done()
	s := c.s
	for r := range c.ready {
		if r.j == nil {
			return
		}
		if r.out == nil { // small: encoded here
			var err error
			if r.out, err = s.encode(r.j.e, c.at); err != nil {
				r.j.err = err
				continue
			}
		}
		r.j.err = c.w.WriteNames(r.j.e.names, r.out.Bytes())
		r.j.size = r.out.Len()
		if s.hist != nil {
			// Taken of the bytes written, while they are in memory: the
			// history checks its copy of the file against it, so an edit
			// in place is never kept.
			r.j.sum, r.j.summed = sha256.Sum256(r.out.Bytes()), true
		}
		modfile.PutBuffer(r.out)
	}
}

func (c *cycle) encoder() {
	defer c.encoders.Done()
	for j := range c.toEncode {
		if j == nil {
			return
		}
		out, err := c.s.encode(j.e, c.at)
		if err != nil {
			j.err = err
			continue
		}
		c.ready <- encodedJob{j, out}
	}
}

type encodedJob struct {
	j   *writeJob
	out *bytes.Buffer // from modfile.GetBuffer; nil: the writer encodes
}

// runJobs calls fn for each job on up to n goroutines and returns when all
// are done. Jobs that did not start before ctx ended fail with its error.
func (s *Store) runJobs(ctx context.Context, jobs []*writeJob, n int, fn func(*writeJob)) {
	next := make(chan *writeJob)
	var wg sync.WaitGroup
	for range min(n, len(jobs)) {
		wg.Go(func() {
			for j := range next {
				fn(j)
			}
		})
	}
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			j.err = fmt.Errorf("stopped before writing: %w", err)
			continue
		}
		next <- j
	}
	close(next)
	wg.Wait()
}

// encode takes one module's snapshot and renders its file. Only Backup
// runs module code (under the module's lock); encoding happens here, after
// it. The caller gives the buffer back with modfile.PutBuffer.
func (s *Store) encode(e *entry, at time.Time) (*bytes.Buffer, error) {
	e.stMu.Lock()
	blocked := e.blocked
	e.stMu.Unlock()
	if blocked != nil {
		return nil, blocked
	}
	var snap any
	var err error
	if e.shared != nil {
		snap, err = backupShared(e.shared)
	} else {
		snap, err = backupModule(e.mod)
	}
	if err != nil {
		return nil, err
	}
	if e.shared != nil {
		defer e.shared.ReleaseBackup()
	}
	out := modfile.GetBuffer()
	out.Reset()
	if err := modfile.EncodeToKinds(out, e.key, e.version, at, snap, e.numberKinds()); err != nil {
		modfile.PutBuffer(out)
		return nil, err
	}
	return out, nil
}

// numberKinds is how the data the module was restored from spelled its
// numbers (nil if it was not restored from data).
func (e *entry) numberKinds() modfile.NumberKinds {
	if k := e.kinds.Load(); k != nil {
		return *k
	}
	return nil
}

// backupShared is backupModule for a SharedBackup: the caller releases
// the snapshot once it is encoded.
func backupShared(sb persistence.SharedBackup) (snap any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in Backup: %v", r)
		}
	}()
	return sb.BackupShared(), nil
}

func backupModule(p persistence.Persistable) (snap any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in Backup: %v", r)
		}
	}()
	return p.Backup(), nil
}

// writeRoSysSidecar encodes one module in format rosys and writes its
// sidecar; the data file follows in renameRoSys once every sidecar of the
// batch is durable (see writeSidecar for the crash order).
func (s *Store) writeRoSysSidecar(j *writeJob, at time.Time) error {
	j.e.stMu.Lock()
	blocked := j.e.blocked
	j.e.stMu.Unlock()
	if blocked != nil {
		return blocked
	}
	snap, err := backupModule(j.e.mod)
	if err != nil {
		return err
	}
	if j.data, err = modfile.EncodePlainKinds(snap, j.e.numberKinds()); err != nil {
		return err
	}
	g := generation{SHA256: modfile.Sum(j.data), SchemaVersion: j.e.version, SavedAt: at.UTC(), Size: len(j.data)}
	if err := s.writeSidecar(s.sideW, j.e, g); err != nil {
		return err
	}
	j.meta, j.size = &g, len(j.data)
	return nil
}

// renameRoSys makes the batch's sidecars durable, then writes the data
// files (durable with the caller's directory sync). Written one after
// another: format rosys trades the parallel fsyncs for RoSys' layout.
func (s *Store) renameRoSys(w atomicfile.Writer, jobs []*writeJob) {
	if err := s.sideW.Sync(); err != nil {
		for _, j := range jobs {
			if j.err == nil {
				j.err = fmt.Errorf("sync sidecars: %w", err)
			}
		}
		return
	}
	for _, j := range jobs {
		if j.err == nil {
			j.err = w.WriteNames(j.e.names, j.data)
		}
	}
}

// CommitNow makes the module under key durable at once: if it has changes
// not yet durable, a commit runs now (after a cycle already writing, which
// holds the write lock) instead of waiting for the next backup cycle, and
// CommitNow returns when the change it saw is on disk, or with the
// module's write error. Modules that asked for a backup meanwhile are
// written by the same commit. For callers that must answer only once a
// value is durable (PUT ?sync=1, operator commands).
func (s *Store) CommitNow(ctx context.Context, key string) error {
	e, err := s.entry(key)
	if err != nil {
		return err
	}
	if s.ReadOnly() || !s.persisted(e) {
		return fmt.Errorf("module %q: %w", key, ErrReadOnly)
	}
	target := e.generation()
	if e.saved.Load() >= target {
		return nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if e.saved.Load() >= target { // the cycle that held the lock wrote it
		return nil
	}
	err = s.commitLocked(ctx, false)
	if e.saved.Load() >= target {
		return nil
	}
	if err == nil {
		err = errors.New("not written") // cannot happen: a pending, restored module is written
	}
	return fmt.Errorf("module %q: %w", key, err)
}
