// Package rosystest runs a rosys runtime on virtual time, as RoSys' test
// mode does: Forward advances the clock and runs every loop that falls due,
// deterministically and without sleeping.
package rosystest

import (
	"github.com/gorosys/rosys/clock"
)

// VirtualClock is clock.Virtual.
type VirtualClock = clock.Virtual

// Start is the time a new VirtualClock reads.
var Start = clock.VirtualStart

// NewVirtualClock returns a clock reading Start.
func NewVirtualClock() *VirtualClock { return clock.NewVirtual() }
