package mirror

import "context"

// collect deletes manifests beyond KeepGenerations and the objects only
// they named.
func (m *Mirror) collect(ctx context.Context) error {
	names, err := m.manifests(ctx)
	if err != nil || len(names) <= m.cfg.KeepGenerations {
		return err
	}
	keep := names[len(names)-m.cfg.KeepGenerations:]
	used := map[string]bool{}
	for _, name := range keep {
		b, _, err := m.cfg.Metadata.Get(ctx, name)
		if err != nil {
			return err
		}
		man, err := decodeManifestAt(name, b)
		if err != nil {
			continue
		}
		for _, e := range man.Modules {
			used[e.Object] = true
		}
	}
	for _, name := range names[:len(names)-m.cfg.KeepGenerations] {
		if err := m.cfg.Metadata.Delete(ctx, name); err != nil {
			return err
		}
	}
	objects, err := m.cfg.Snapshots.List(ctx, "snapshots/")
	if err != nil {
		return err
	}
	for _, o := range objects {
		if !used[o.Name] {
			if err := m.cfg.Snapshots.Delete(ctx, o.Name); err != nil {
				return err
			}
		}
	}
	return nil
}
