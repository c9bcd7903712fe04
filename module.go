package rosys

import (
	"context"
	"time"
)

// A module added to the runtime may implement any of these interfaces, and
// persistence.Persistable, in which case it is registered with the store
// under the name it was added with.

// Starter is started after every persistent module has been restored, in
// dependency order. Start should return once the module is running.
type Starter interface {
	Start(ctx context.Context) error
}

// Stopper is stopped in reverse start order at shutdown. ctx carries the
// module's stop deadline.
type Stopper interface {
	Stop(ctx context.Context) error
}

// Stepper runs on the control loop once per period. Step must not block,
// do I/O or wait on a lock that I/O holds; it reads latest values and hands
// commands to drivers through non-blocking queues.
type Stepper interface {
	Step(now time.Time, period time.Duration)
}

// Actuator is told to stop safely (zero speed) when the control loop stops,
// before any module is stopped. SafeStop must not block.
type Actuator interface {
	SafeStop()
}
