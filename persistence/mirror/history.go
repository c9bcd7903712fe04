package mirror

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/history"
	"go.uber.org/zap"
)

// History is the store's local history (package history), as the mirror
// copies it: every version a module's history keeps locally is also kept
// in snapshot storage, as history/<key>/<version>.json, so that a
// replaced board still has the module's history.
type History interface {
	List(key string) ([]history.Version, error)
	Read(key string, v history.Version) ([]byte, error)
	Put(key string, n uint64, data []byte) error
}

// maxRemoteVersions bounds how many versions of one module are listed
// from the bucket before any is trusted.
const maxRemoteVersions = 100_000

// AttachHistory makes the mirror copy the store's history. The store
// calls it when it opens, before any goroutine of the mirror runs.
func (m *Mirror) AttachHistory(h History) {
	m.hist = h
	m.remoteHist = map[string]map[uint64]bool{}
}

func historyPrefix(key string) string { return "history/" + key + "/" }
func historyObject(key string, n uint64) string {
	return historyPrefix(key) + history.FormatVersion(n, objectDigits) + ".json"
}

// objectDigits is the width of the version numbers in object names, so
// that they list in order.
const objectDigits = 12

// remoteVersions lists the versions of key in snapshot storage, once per
// run; afterwards the mirror keeps the set up to date itself.
func (m *Mirror) remoteVersions(ctx context.Context, key string) (map[uint64]bool, error) {
	if got, ok := m.remoteHist[key]; ok {
		return got, nil
	}
	objs, err := m.cfg.Snapshots.List(ctx, historyPrefix(key))
	if err != nil {
		return nil, err
	}
	if len(objs) > maxRemoteVersions {
		return nil, fmt.Errorf("history of %q: %d objects in remote storage, more than the %d allowed", key, len(objs), maxRemoteVersions)
	}
	got := map[uint64]bool{}
	for _, o := range objs {
		// The local history's rule (history.ParseVersion), so that a
		// name one side takes the other does too: digits only, written
		// as historyObject writes them, from 1 to history.MaxVersion.
		name, ok := strings.CutSuffix(strings.TrimPrefix(o.Name, historyPrefix(key)), ".json")
		if !ok {
			m.refuse(o.Name, fmt.Errorf("%w: not a history version object", history.ErrBadVersion))
			continue
		}
		n, err := history.ParseVersion(name, objectDigits)
		if err != nil {
			m.refuse(o.Name, err)
			continue
		}
		got[n] = true
	}
	m.remoteHist[key] = got
	return got, nil
}

// syncHistoryLocked uploads the local versions of keys that snapshot
// storage lacks and deletes the remote versions the local bounds pruned
// (older than the oldest kept locally). The bounds are the local ones, so
// the remote history is the local one, a cycle or so behind. Run after
// the manifest is written; a failure leaves the rest for the next upload.
func (m *Mirror) syncHistoryLocked(ctx context.Context, keys []string) error {
	if m.hist == nil {
		return nil
	}
	for _, key := range keys {
		local, err := m.hist.List(key)
		if err != nil || len(local) == 0 {
			continue
		}
		remote, err := m.remoteVersions(ctx, key)
		if err != nil {
			return err
		}
		for _, v := range local {
			if remote[v.Version] {
				continue
			}
			b, err := m.hist.Read(key, v)
			if err != nil {
				m.log.Warn("history version not uploaded", zap.String("module", key), zap.Uint64("version", v.Version), zap.Error(err))
				continue
			}
			if _, err := m.cfg.Snapshots.Put(ctx, historyObject(key, v.Version), b, backend.Condition{}); err != nil {
				return err
			}
			remote[v.Version] = true
		}
		for _, n := range slices.Sorted(maps.Keys(remote)) {
			if n >= local[0].Version {
				break
			}
			if err := m.cfg.Snapshots.Delete(ctx, historyObject(key, n)); err != nil {
				return err
			}
			delete(remote, n)
		}
	}
	return nil
}

// recoverHistoryLocked brings the remote history of modules just
// recovered onto this disk, so that their history (and its version
// numbers) goes on where the old disk's ended. Best effort: a version
// that cannot be fetched or is damaged is skipped.
func (m *Mirror) recoverHistoryLocked(ctx context.Context, keys []string) {
	if m.hist == nil {
		return
	}
	for _, key := range keys {
		remote, err := m.remoteVersions(ctx, key)
		if err != nil {
			m.log.Warn("history not recovered", zap.String("module", key), zap.Error(err))
			continue
		}
		n := 0
		take, far := history.Run(slices.Sorted(maps.Keys(remote)), 0)
		for _, v := range far {
			m.refuse(historyObject(key, v), fmt.Errorf("%w: version %d is far from the module's other versions (%d to %d): planted, not recovered",
				history.ErrBadVersion, v, take[0], take[len(take)-1]))
		}
		for _, v := range take {
			b, _, err := m.cfg.Snapshots.Get(ctx, historyObject(key, v))
			if err == nil {
				// Checked there (a module file of key, within the read
				// limit) and created exclusively: a version held is
				// never written over.
				err = m.hist.Put(key, v, b)
			}
			if err != nil {
				m.refuse(historyObject(key, v), err)
				continue
			}
			n++
		}
		if n > 0 {
			m.log.Info("recovered history from remote storage", zap.String("module", key), zap.Int("versions", n))
		}
	}
}
