package gnss

import (
	"sync/atomic"

	"github.com/gorosys/rosys/hardware"
)

// UseReference makes ref the local frame's origin, as if configured,
// unless the driver has one already (configured, or taken from a fix):
// a robot restores the first-fix reference of an earlier run, so the frame
// and everything placed in it stay where they were. Call it before
// Start; it reports whether ref is now in use.
func (d *Driver) UseReference(ref hardware.GeoReference) bool {
	if !ref.Valid() {
		return false
	}
	return d.ref.CompareAndSwap(nil, &refInfo{ref, "restored"})
}

// OnReference calls fn with the reference the first fix makes (after
// the fix is published), so the robot can persist it. Set it before
// Start.
func (d *Driver) OnReference(fn func(hardware.GeoReference)) { d.onRef.Store(&fn) }

// ReferenceInUse is the local frame's origin and where it came from
// ("config", "first_fix", "restored"); false before there is one.
func (d *Driver) ReferenceInUse() (hardware.GeoReference, string, bool) {
	if r := d.ref.Load(); r != nil {
		return r.ref, r.source, true
	}
	return hardware.GeoReference{}, "", false
}

type refHook = atomic.Pointer[func(hardware.GeoReference)]
