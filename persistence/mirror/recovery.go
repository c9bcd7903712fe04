package mirror

import (
	"context"
	"errors"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap"
)

// recoverTimeout bounds how long start-up waits for remote storage when
// modules have no local state.
const recoverTimeout = 15 * time.Second

// Attach tells the mirror where its store keeps the files it uploads. The
// store calls it when it opens, before any goroutine of the mirror runs.
func (m *Mirror) Attach(fsys vfs.FS, dir string) { m.fs, m.dir = fsys, dir }

// Recover fills in, from the newest manifest, the module files missing in
// dir. An object that is missing or fails its checksum falls back to the
// module's entry in older manifests. It returns the keys recovered.
func (m *Mirror) Recover(ctx context.Context, missing []string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(missing) == 0 {
		// Nothing to fetch: start-up does not wait for the network; the
		// mirror's goroutine takes the lease before its first upload.
		return nil
	}
	// A robot on a fresh disk waits for its state, but not forever: an
	// unreachable bucket must not keep it from starting.
	ctx, cancel := context.WithTimeout(ctx, recoverTimeout)
	defer cancel()
	if err := m.connect(ctx); err != nil {
		if !errors.Is(err, ErrLeaseHeld) {
			m.unrecovered = append(m.unrecovered, missing...)
		}
		m.fail(err)
		m.log.Error("cannot recover from remote storage; modules without local state start from defaults", zap.Error(err))
		return nil
	}
	if m.latest == nil || len(missing) == 0 {
		return nil
	}
	names, _ := m.manifests(ctx)
	var got []string
	w := atomicfile.Writer{FS: m.fs, Dir: m.dir}
	if modfile.IsRoSysDir(m.fs, m.dir) {
		return m.recoverPlain(ctx, missing, names)
	}
	for _, key := range missing {
		data, gen, err := m.fetch(ctx, key, names)
		if err != nil {
			m.log.Error("module not recovered", zap.String("module", key), zap.Error(err))
			continue
		}
		if data == nil {
			continue // the remote never had it
		}
		if err := w.Write(key+".json", data); err != nil {
			m.log.Error("write recovered module", zap.String("module", key), zap.Error(err))
			continue
		}
		m.recovered[key] = gen
		got = append(got, key)
	}
	if len(got) > 0 {
		if err := w.Sync(); err != nil {
			m.log.Error("sync recovered modules", zap.Error(err))
			return nil
		}
		m.log.Info("recovered modules from remote storage", zap.Strings("modules", got), zap.String("from", m.cfg.Snapshots.String()))
		m.recoverHistoryLocked(ctx, got)
	}
	return got
}
