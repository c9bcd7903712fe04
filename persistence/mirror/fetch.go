package mirror

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"go.uber.org/zap"
)

// manifests lists the generations in metadata storage, oldest first. A
// name that is no generation (history.ParseVersion's rule) is refused,
// named in the status, and never read.
func (m *Mirror) manifests(ctx context.Context) ([]string, error) {
	list, err := m.cfg.Metadata.List(ctx, "manifests/")
	if err != nil {
		return nil, err
	}
	type named struct {
		name string
		gen  uint64
	}
	var ok []named
	for _, o := range list {
		n, err := manifestNumber(o.Name)
		if err != nil {
			m.refuse(o.Name, err)
			continue
		}
		ok = append(ok, named{o.Name, n})
	}
	// By number: past 12 digits the names no longer sort as numbers.
	slices.SortFunc(ok, func(a, b named) int { return cmp.Compare(a.gen, b.gen) })
	names := make([]string, len(ok))
	for i, n := range ok {
		names[i] = n.name
	}
	return names, nil
}

// newestManifest reads the newest manifest that decodes; a damaged one is
// logged and skipped for the one before.
func (m *Mirror) newestManifest(ctx context.Context) (*Manifest, error) {
	names, err := m.manifests(ctx)
	if err != nil {
		return nil, fmt.Errorf("list manifests on %s: %w", m.cfg.Metadata, err)
	}
	for _, name := range slices.Backward(names) {
		b, _, err := m.cfg.Metadata.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		man, err := decodeManifestAt(name, b)
		if errors.Is(err, modfile.ErrUnknownFormat) {
			// A newer program committed here: building on an older
			// manifest would write over its generations. Nothing is
			// uploaded until a program that reads it runs.
			m.blocked = fmt.Errorf("%s: %s: %w; not uploading over it", m.cfg.Metadata, name, err)
			return nil, m.blocked
		}
		if err != nil {
			m.refuse(name, err)
			m.log.Error("damaged manifest skipped", zap.String("manifest", name), zap.Error(err))
			continue
		}
		return &man, nil
	}
	return nil, nil
}

// fetch finds the newest good state of key: newest manifest first.
func (m *Mirror) fetch(ctx context.Context, key string, names []string) ([]byte, uint64, error) {
	var lastErr error
	for _, name := range slices.Backward(names) {
		b, _, err := m.cfg.Metadata.Get(ctx, name)
		if err != nil {
			lastErr = err
			continue
		}
		man, err := decodeManifestAt(name, b)
		if err != nil {
			continue
		}
		e, ok := man.Modules[key]
		if !ok {
			if lastErr == nil && man.Generation == m.latest.Generation {
				return nil, 0, nil
			}
			continue
		}
		data, _, err := m.cfg.Snapshots.Get(ctx, e.Object)
		if err == nil && checksum(data) != e.SHA256 {
			err = fmt.Errorf("%s fails its checksum", e.Object)
		}
		if err == nil {
			_, err = modfile.Decode(key, data)
		}
		if err != nil {
			lastErr = err
			if !errors.Is(err, backend.ErrNotFound) {
				m.refuse(e.Object, fmt.Errorf("module %q of %s: %w", key, name, err))
			}
			m.log.Error("damaged or missing module object; trying an older generation", zap.String("module", key), zap.Error(err))
			continue
		}
		return data, man.Generation, nil
	}
	return nil, 0, fmt.Errorf("no good state of %q in any kept generation: %v", key, lastErr)
}
