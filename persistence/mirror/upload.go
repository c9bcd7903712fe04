package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/journal"
	"go.uber.org/zap"
)

// localSegments lists the journal segments in <dir>/journal; the newest is
// still being written unless closed.
func (m *Mirror) localSegments() []string {
	segs, err := journal.Segments(m.fs, filepath.Join(m.dir, "journal"))
	if err != nil {
		return nil
	}
	return segs
}

// segmentsBehind reports whether a closed segment is not in snapshot
// storage yet.
func (m *Mirror) segmentsBehind(includeNewest bool) bool {
	segs := m.localSegments()
	if !includeNewest && len(segs) > 0 {
		segs = segs[:len(segs)-1]
	}
	for _, s := range segs {
		if !m.remoteSegs[s] {
			return true
		}
	}
	return false
}

// uploadSegments copies closed journal segments to snapshot storage (at a
// clean shutdown the newest too, which the journal has closed by then), and
// drops remote segments the local bounds dropped.
func (m *Mirror) uploadSegments(ctx context.Context, all bool) error {
	segs := m.localSegments()
	local := map[string]bool{}
	for i, s := range segs {
		local[s] = true
		if m.remoteSegs[s] || (i == len(segs)-1 && !all) {
			continue
		}
		b, err := m.fs.ReadFile(filepath.Join(m.dir, "journal", s), journal.MaxSegmentBytes)
		if err != nil {
			return err
		}
		if _, err := m.cfg.Snapshots.Put(ctx, "journal/"+s, b, backend.Condition{}); err != nil {
			return err
		}
		m.remoteSegs[s] = true
	}
	for s := range m.remoteSegs {
		if !local[s] && len(segs) > 0 && s < segs[0] {
			if err := m.cfg.Snapshots.Delete(ctx, "journal/"+s); err != nil {
				return err
			}
			delete(m.remoteSegs, s)
		}
	}
	return nil
}

func (m *Mirror) uploadLocked(ctx context.Context, clean bool) error {
	return m.uploadOnce(ctx, clean, false)
}

// uploadOnce uploads the pending modules and a manifest; retried says it
// is already the retry after finding its own manifest (so it recurses at
// most once).
func (m *Mirror) uploadOnce(ctx context.Context, clean, retried bool) error {
	gen := uint64(1)
	next := Manifest{Format: manifestFormat, Robot: m.cfg.Robot, Host: m.cfg.Host, BootID: m.cfg.BootID,
		CreatedAt: m.cfg.Now().UTC(), CleanShutdown: clean, Modules: map[string]ManifestEntry{},
		Snapshots: m.snapLoc}
	if m.latest != nil {
		gen = m.latest.Generation + 1
		for k, e := range m.latest.Modules {
			next.Modules[k] = e
		}
	}
	next.Generation = gen
	seqs := map[string]uint64{}
	changed := 0
	for _, key := range slices.Sorted(maps.Keys(m.pending)) {
		seqs[key] = m.pending[key]
		b, err := m.localFile(key)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return err
		}
		sum := checksum(b)
		if e, ok := next.Modules[key]; ok && e.SHA256 == sum {
			continue
		}
		st, err := modfile.Decode(key, b)
		if err != nil {
			return fmt.Errorf("local file of %q: %w", key, err)
		}
		obj := objectName(key, gen)
		if _, err := m.cfg.Snapshots.Put(ctx, obj, b, backend.Condition{}); err != nil {
			return err
		}
		next.Modules[key] = ManifestEntry{Object: obj, SchemaVersion: st.SchemaVersion, Size: int64(len(b)), SHA256: sum, SavedAt: st.SavedAt}
		changed++
	}
	if changed > 0 || clean {
		// The objects are in place; only now the manifest that names them.
		mb, err := json.MarshalIndent(next, "", "  ")
		if err != nil {
			return err
		}
		if _, err := m.cfg.Metadata.Put(ctx, manifestName(gen), mb, backend.Condition{IfAbsent: true}); err != nil {
			if errors.Is(err, backend.ErrConflict) {
				if mine, rerr := m.ownManifest(ctx, gen); rerr != nil {
					return rerr
				} else if mine != nil {
					// An earlier attempt of this run wrote it but its
					// answer was lost (a cancelled or timed-out PUT
					// reaches the server all the same). Build on it: the
					// next attempt writes generation gen+1.
					m.latest = mine
					if retried {
						return fmt.Errorf("generation %d was written by an earlier attempt whose answer was lost; retrying as %d", gen, gen+1)
					}
					return m.uploadOnce(ctx, clean, true)
				}
				m.blocked = fmt.Errorf("%w: generation %d appeared on %s while this robot was writing it", ErrLeaseHeld, gen, m.cfg.Metadata)
				return m.blocked
			}
			return err
		}
		m.latest = &next
		m.lastUpload = m.cfg.Now()
	}
	if err := m.syncHistoryLocked(ctx, slices.Sorted(maps.Keys(seqs))); err != nil {
		return err // the keys stay pending: their history goes up next time
	}
	for key, s := range seqs {
		if m.pending[key] == s {
			delete(m.pending, key)
		}
	}
	if len(m.pending) == 0 {
		m.behindSince = time.Time{}
	}
	if changed > 0 {
		m.log.Debug("uploaded", zap.Uint64("generation", gen), zap.Int("modules", changed))
		// Collection lists and reads the kept manifests and lists every
		// object: done after each upload it was three quarters of an
		// upload's requests. Once per KeepGenerations uploads keeps between
		// KeepGenerations and twice that many generations.
		if m.sinceCollect++; m.sinceCollect >= m.cfg.KeepGenerations {
			if err := m.collect(ctx); err != nil {
				m.log.Warn("old generations not removed", zap.Error(err))
			} else {
				m.sinceCollect = 0
			}
		}
	}
	return nil
}

// ownManifest reads manifest gen after a conditional write found it there:
// it returns it when this run (same robot, host and boot) wrote it, nil
// when someone else did.
func (m *Mirror) ownManifest(ctx context.Context, gen uint64) (*Manifest, error) {
	b, _, err := m.cfg.Metadata.Get(ctx, manifestName(gen))
	if err != nil {
		return nil, fmt.Errorf("read back %s: %w", manifestName(gen), err)
	}
	man, err := decodeManifestAt(manifestName(gen), b)
	if err != nil || man.Generation != gen || man.Robot != m.cfg.Robot || man.Host != m.cfg.Host || man.BootID != m.cfg.BootID {
		return nil, nil
	}
	return &man, nil
}
