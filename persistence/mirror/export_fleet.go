package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gorosys/rosys/persistence/backend"
)

// What package fleet reads from other robots' metadata storage.

// ManifestPrefix is where a robot's manifests live under its root.
const ManifestPrefix = "manifests/"

// DecodeManifest decodes and checks a manifest object.
func DecodeManifest(b []byte) (Manifest, error) { return decodeManifest(b) }

// ManifestGeneration is the generation a manifest object's name says, or
// an error (wrapping history.ErrBadVersion) if the name is none.
func ManifestGeneration(name string) (uint64, error) { return manifestNumber(name) }

// DecodeManifestAt decodes the manifest object stored as name and checks
// that its name is a generation (history.ParseVersion's rule) and the one
// the manifest says.
func DecodeManifestAt(name string, b []byte) (Manifest, error) { return decodeManifestAt(name, b) }

// Checksum is the checksum a manifest names an object by.
func Checksum(b []byte) string { return checksum(b) }

// LeaseName is the lease object's name under a robot's root.
const LeaseName = leaseName

// HostID is how this machine names itself in leases and manifests: its
// host name and /etc/machine-id.
func HostID() string { return hostID() }

// LeaseHolder is who a lease names.
type LeaseHolder struct {
	Robot      string    `json:"robot"`
	Host       string    `json:"host"`
	AcquiredAt time.Time `json:"acquired_at"`
}

// ErrNoLease: a hand-over found no lease to hand over.
var ErrNoLease = errors.New("no lease")

// HandOverLease rewrites the lease object name in b to name host, for the
// robot it named: a replacement board whose mirror starts with that robot
// name on that host then takes the lease as its own, where it would be
// refused while the lease names the old board. The write is conditional
// on the version read, so a lease that changed meanwhile (the old board is
// alive and restarted) is not overwritten. It returns the holder replaced;
// ErrNoLease if there is none (a new board takes a missing lease itself).
func HandOverLease(ctx context.Context, b backend.Backend, name, host string, now time.Time) (LeaseHolder, error) {
	data, ver, err := b.Get(ctx, name)
	if errors.Is(err, backend.ErrNotFound) {
		return LeaseHolder{}, fmt.Errorf("%w at %s", ErrNoLease, name)
	} else if err != nil {
		return LeaseHolder{}, fmt.Errorf("read the lease %s: %w", name, err)
	}
	var old lease
	if err := json.Unmarshal(data, &old); err != nil || old.Robot == "" {
		return LeaseHolder{}, fmt.Errorf("the lease %s does not read (%v): delete it by hand if its robot is gone", name, err)
	}
	from := LeaseHolder{Robot: old.Robot, Host: old.Host, AcquiredAt: old.AcquiredAt}
	if old.Host == host {
		return from, nil
	}
	next, _ := json.Marshal(lease{Robot: old.Robot, Host: host, BootID: "handed-over", AcquiredAt: now.UTC()})
	if _, err := b.Put(ctx, name, next, backend.Condition{IfMatch: ver}); err != nil {
		if errors.Is(err, backend.ErrConflict) {
			return from, fmt.Errorf("the lease %s changed while it was handed over: is robot %q still running?: %w", name, old.Robot, err)
		}
		return from, fmt.Errorf("write the lease %s: %w", name, err)
	}
	return from, nil
}
