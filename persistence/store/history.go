package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"go.uber.org/zap"
)

// ErrNoVersion: the history has no such version, or none at or before the
// time asked for (the HTTP API answers 404, the CLI exits 1).
var ErrNoVersion = history.ErrNotFound

// ErrDamaged: the version's file no longer holds the bytes recorded (or
// never was a module file); it is listed as damaged and never restored
// or served (the HTTP API answers 422, the CLI exits 1).
var ErrDamaged = history.ErrDamaged

// ErrNoHistory: the store keeps no history (WithHistory was not given).
var ErrNoHistory = errors.New("this store keeps no history")

// ErrRefused: the module's Restore refused a version's data (its
// validation changed since, say); nothing changed.
var ErrRefused = errors.New("module refused the data")

// WithHistory keeps every committed version of every module, within cfg's
// bounds, under <dir>/history (see package history). A zero cfg.Default
// means history.DefaultBounds.
func WithHistory(cfg history.Config) Option {
	return func(s *Store) { s.histCfg = &cfg }
}

// WithModuleHistory sets one module's history bounds, over the store's.
func WithModuleHistory(b history.Bounds) RegisterOption {
	return func(e *entry) { e.histBounds = &b }
}

func (s *Store) openHistory() {
	if s.histCfg != nil {
		s.hist = history.New(s.fs, s.dir, *s.histCfg, s.now, s.maxFile)
		if s.mirror != nil {
			s.mirror.AttachHistory(s.hist)
		}
	}
}

// recordHistoryAsync records the batch on a goroutine of its own, so
// that the cycle returns at its durable point (WaitDurable woke before
// already) and the history's links, pruning and directory fsync overlap
// the time until the next cycle. The next cycle, Close and every reader
// of the history wait for it first (waitHistory), so nobody sees a
// history behind a commit it knows of, and no file is renamed over
// before its link is made. The caller holds writeMu.
func (s *Store) recordHistoryAsync(wrote []written, at time.Time) {
	if s.hist == nil {
		return
	}
	done := make(chan struct{})
	s.histMu.Lock()
	s.histDone = done
	s.histMu.Unlock()
	go func() {
		defer close(done)
		s.recordHistory(wrote, at)
	}()
}

// waitHistory waits until the last cycle's history record is finished.
// It has no context: a record is local file-system work (a link and an
// unlink per module, one fsync), bounded like the commit it follows.
func (s *Store) waitHistory() {
	s.histMu.Lock()
	done := s.histDone
	s.histMu.Unlock()
	if done != nil {
		<-done
	}
}

// HistorySettled waits until the versions of every cycle that returned
// are recorded in the history (or failed to be: see ModuleStatus's
// HistoryError), or ctx ends. A cycle returns, and WaitDurable wakes, as
// soon as its commit is durable; the history follows right after, off
// that path. History, VersionData and RestoreVersion wait by themselves.
func (s *Store) HistorySettled(ctx context.Context) error {
	s.histMu.Lock()
	done := s.histDone
	s.histMu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// recordHistory adds the batch just made durable to the history. It is
// best effort: a failure is logged and kept in the module's status, and
// the commit stays what it is, durable and reported so.
func (s *Store) recordHistory(wrote []written, at time.Time) {
	if s.hist == nil {
		return
	}
	cs := make([]history.Commit, 0, len(wrote))
	sumErrs := make([]error, len(wrote))
	for i, w := range wrote {
		if !w.summed {
			sumErrs[i] = fmt.Errorf("history of %q: no checksum of the committed file", w.e.key)
			continue
		}
		// The history copies the file and checks the copy against the
		// checksum taken of the bytes written: an edit of the file in
		// place since the commit is found, never kept as the version.
		cs = append(cs, history.Commit{Key: w.e.key, Path: w.e.names.Path(), Name: w.e.names.PathName(), Size: int64(w.size), Sum: w.sum, SchemaVersion: w.e.version})
	}
	_, recErrs := s.hist.RecordBatch(at, cs)
	for i, w := range wrote {
		err := sumErrs[i]
		if err == nil {
			err, recErrs = recErrs[0], recErrs[1:]
		}
		w.e.stMu.Lock()
		if err != nil {
			w.e.st.HistoryError = err.Error()
		} else {
			w.e.st.HistoryError = ""
		}
		w.e.stMu.Unlock()
		if err != nil {
			s.log.Warn("version not kept in the history", zap.String("module", w.e.key), zap.Error(err))
		}
	}
}

// History lists the kept versions of the module under key, oldest first.
func (s *Store) History(key string) ([]history.Version, error) {
	if _, err := s.entry(key); err != nil {
		return nil, err
	}
	if s.hist == nil {
		return nil, ErrNoHistory
	}
	s.waitHistory()
	return s.hist.List(key)
}

// RestoreVersion puts the module under key back to a kept version, through
// its migrations and its own Restore (which may refuse the data), and
// commits at once. The restored state is a new version, so a restore
// loses nothing. A version that is not kept is ErrNoVersion, and then, as
// with any error before the module's Restore accepted the data, nothing
// changes. It returns the version restored and the new one.
func (s *Store) RestoreVersion(ctx context.Context, key string, sel history.Selector) (from, to history.Version, err error) {
	e, err := s.entry(key)
	if err != nil {
		return from, to, err
	}
	if s.ReadOnly() || !s.persisted(e) {
		return from, to, fmt.Errorf("module %q: %w", key, ErrReadOnly)
	}
	if s.hist == nil {
		return from, to, ErrNoHistory
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.waitHistory()
	if from, err = s.hist.Find(key, sel); err != nil {
		return from, to, err
	}
	b, err := s.hist.Read(key, from)
	if err != nil {
		return from, to, err
	}
	data, err := s.versionMigrated(e, from, b)
	if err != nil {
		return from, to, fmt.Errorf("module %q version %d: %w; nothing changed", key, from.Version, err)
	}
	if err := s.restoreInto(e, data); err != nil {
		return from, to, fmt.Errorf("%w: module %q, version %d: %w; nothing changed", ErrRefused, key, from.Version, err)
	}
	e.restored.Store(true)
	e.requests.Add(1)
	if err := s.commitLocked(ctx, false); err != nil {
		return from, to, fmt.Errorf("write restored state: %w", err)
	}
	s.waitHistory()
	vs, err := s.hist.List(key)
	if err != nil || len(vs) == 0 {
		return from, to, fmt.Errorf("restored version %d, but the history cannot list it: %v", from.Version, err)
	}
	s.log.Info("restored a version from the history", zap.String("module", key),
		zap.Uint64("from", from.Version), zap.Uint64("new_version", vs[len(vs)-1].Version))
	return from, vs[len(vs)-1], nil
}

// VersionData returns the data of one kept version, as stored (not
// migrated), for showing and comparing versions.
func (s *Store) VersionData(key string, version uint64) (history.Version, json.RawMessage, error) {
	if _, err := s.entry(key); err != nil {
		return history.Version{}, nil, err
	}
	if s.hist == nil {
		return history.Version{}, nil, ErrNoHistory
	}
	s.waitHistory()
	v, err := s.hist.Find(key, history.Selector{Version: version})
	if err != nil {
		return v, nil, err
	}
	b, err := s.hist.Read(key, v)
	if err != nil {
		return v, nil, err
	}
	st, err := modfile.Decode(key, b)
	if err != nil {
		return v, nil, fmt.Errorf("module %q version %d: %w", key, version, err)
	}
	return v, st.Data, nil
}

// versionMigrated decodes a kept version and migrates its data to the
// module's schema version. A plain file (format rosys) does not carry its
// schema version: the index's, else the sidecar's, else 1 (RoSys data).
func (s *Store) versionMigrated(e *entry, v history.Version, b []byte) (json.RawMessage, error) {
	st, err := modfile.Decode(e.key, b)
	if err != nil {
		return nil, err
	}
	if st.Plain {
		if v.SchemaVersion > 0 {
			st.SchemaVersion = v.SchemaVersion
		} else if g, ok := s.plainVersion(e.key, b); ok {
			st.SchemaVersion = g.SchemaVersion
		}
	}
	if st.SchemaVersion > e.version {
		return nil, fmt.Errorf("%w: version has schema %d, this program writes %d", ErrNewerSchema, st.SchemaVersion, e.version)
	}
	data := st.Data
	for ver := st.SchemaVersion; ver < e.version; ver++ {
		if data, err = e.mod.(persistence.Versioned).Migrate(ver, data); err != nil {
			return nil, fmt.Errorf("migrate from schema version %d: %w", ver, err)
		}
	}
	return data, nil
}
