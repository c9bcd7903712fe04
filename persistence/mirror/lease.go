package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gorosys/rosys/persistence/backend"
	"go.uber.org/zap"
)

// lease is the object in metadata storage that names the robot using the
// root.
type lease struct {
	Robot      string    `json:"robot"`
	Host       string    `json:"host"`
	BootID     string    `json:"boot_id"`
	AcquiredAt time.Time `json:"acquired_at"`
}

const leaseName = "lease.json"

// connect takes the lease and reads the newest manifest. The caller holds
// m.mu.
func (m *Mirror) connect(ctx context.Context) error {
	if m.connected {
		return nil
	}
	if m.blocked != nil {
		return m.blocked
	}
	mine, _ := json.Marshal(lease{Robot: m.cfg.Robot, Host: m.cfg.Host, BootID: m.cfg.BootID, AcquiredAt: m.cfg.Now().UTC()})
	b, ver, err := m.cfg.Metadata.Get(ctx, leaseName)
	switch {
	case errors.Is(err, backend.ErrNotFound):
		_, err = m.cfg.Metadata.Put(ctx, leaseName, mine, backend.Condition{IfAbsent: true})
	case err == nil:
		var other lease
		if uerr := json.Unmarshal(b, &other); uerr != nil || other.Host == "" {
			// Forged or damaged: never taken as ours, never written over.
			m.blocked = fmt.Errorf("%w: %s: %s does not read as a lease (%v); not taking it over: if no robot uses this root, delete it",
				ErrLeaseHeld, m.cfg.Metadata, leaseName, uerr)
			return m.blocked
		}
		if other.Host != m.cfg.Host || other.Robot != m.cfg.Robot {
			m.blocked = fmt.Errorf("%w: %s is used by robot %q on host %q since %s; two robots must not share a root (check the robot's name and root_path); if that robot is gone for good, hand the lease over with `rosys fleet restore --take-over` on this machine (or delete %s there)",
				ErrLeaseHeld, m.cfg.Metadata, other.Robot, other.Host, other.AcquiredAt.Format(time.RFC3339), leaseName)
			return m.blocked
		}
		// This robot, restarted: take the lease over.
		_, err = m.cfg.Metadata.Put(ctx, leaseName, mine, backend.Condition{IfMatch: ver})
	}
	if errors.Is(err, backend.ErrConflict) {
		m.blocked = fmt.Errorf("%w: %s: another robot took the lease at the same moment", ErrLeaseHeld, m.cfg.Metadata)
		return m.blocked
	} else if err != nil {
		return fmt.Errorf("take the lease on %s: %w", m.cfg.Metadata, err)
	}
	latest, err := m.newestManifest(ctx)
	if err != nil {
		return err
	}
	m.latest = latest
	segs, err := m.cfg.Snapshots.List(ctx, "journal/")
	if err != nil {
		return fmt.Errorf("list journal segments on %s: %w", m.cfg.Snapshots, err)
	}
	m.remoteSegs = map[string]bool{}
	for _, o := range segs {
		m.remoteSegs[strings.TrimPrefix(o.Name, "journal/")] = true
	}
	if latest != nil && len(m.unrecovered) > 0 {
		var lost []string
		for _, k := range m.unrecovered {
			if _, ok := latest.Modules[k]; ok {
				lost = append(lost, k)
			}
		}
		if len(lost) > 0 {
			m.blocked = fmt.Errorf("%s holds state for %v that this robot could not restore at start (the storage was unreachable); not uploading over it: restart the robot to recover it", m.cfg.Metadata, lost)
			return m.blocked
		}
	}
	m.unrecovered = nil
	m.connected = true
	if latest != nil && !latest.CleanShutdown {
		m.log.Warn("the last run did not shut down cleanly (power cut or crash)", zap.Uint64("generation", latest.Generation), zap.String("boot_id", latest.BootID))
	}
	return nil
}
