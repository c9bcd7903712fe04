package hardware

import "time"

// Wheels is a differential (or any body-velocity) drive.
//
// Drive and Stop never block: they hand the command to the driver through a
// bounded queue in which a newer speed command replaces an older one, so
// the control loop may call them every tick.
type Wheels interface {
	Drive(linear, angular float64) error
	Stop() error
	// Velocity is the latest measured velocity (zero Time before the first
	// measurement).
	Velocity() Velocity
	// SubscribeVelocity delivers every new measurement. A slow subscriber
	// misses values instead of blocking the driver. Call cancel to stop.
	SubscribeVelocity(buffer int) (updates <-chan Velocity, cancel func())
}

// EStop is an emergency stop. Active means the robot must not move.
type EStop interface {
	Active() bool
	// SubscribeChanges delivers every change of the active state.
	SubscribeChanges(buffer int) (changes <-chan bool, cancel func())
}

// Pin is a digital GPIO line.
type Pin interface {
	Name() string
	Read() (bool, error)
	Write(high bool) error
}

// Odometer integrates velocities into a pose.
type Odometer interface {
	Pose() Pose
	// PoseAt is the pose at t, interpolated exactly along the recorded
	// velocities; false if t is outside the kept history.
	PoseAt(t time.Time) (Pose, bool)
}
