package mirror

import (
	"context"
	"maps"
	"path/filepath"
	"slices"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"go.uber.org/zap"
)

// Format rosys (a data directory with .rosys-go/ sidecars) keeps module
// files as bare RoSys data; their schema version lives in the sidecar. So
// that the bucket keeps it too, the mirror uploads such a file as the
// envelope its sidecar describes (modfile.WithVersion: deterministic, so
// an unchanged file is never uploaded twice), and recovery writes it back
// as a data file with its sidecar.

// localFile is a module file as the mirror uploads it.
func (m *Mirror) localFile(key string) ([]byte, error) {
	b, err := m.fs.ReadFile(filepath.Join(m.dir, key+".json"), backend.MaxObjectBytes)
	if err != nil {
		return nil, err
	}
	return modfile.WithVersion(m.fs, m.dir, key, b), nil
}

// recoverPlain is Recover's write step for a directory of format rosys.
// The caller holds m.mu and is connected.
func (m *Mirror) recoverPlain(ctx context.Context, missing, names []string) []string {
	files := map[string][]byte{}
	gens := map[string]uint64{}
	for _, key := range missing {
		data, gen, err := m.fetch(ctx, key, names)
		if err != nil {
			m.log.Error("module not recovered", zap.String("module", key), zap.Error(err))
			continue
		}
		if data != nil {
			files[key], gens[key] = data, gen
		}
	}
	if len(files) == 0 {
		return nil
	}
	if err := modfile.WriteDirPlain(m.fs, m.dir, files, m.cfg.Now()); err != nil {
		m.log.Error("write recovered modules", zap.Error(err))
		return nil
	}
	got := slices.Sorted(maps.Keys(files))
	for _, k := range got {
		m.recovered[k] = gens[k]
	}
	m.log.Info("recovered modules from remote storage", zap.Strings("modules", got), zap.String("from", m.cfg.Snapshots.String()))
	return got
}
