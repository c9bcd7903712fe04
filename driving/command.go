package driving

import "sync"

// Command is a velocity cell: a writer (an automation, the Driver) sets
// the velocity it wants, and the Arbiter reads it on the control loop. The
// lock only guards two floats, never I/O, so the control loop never waits
// for long.
type Command struct {
	mu      sync.Mutex
	linear  float64
	angular float64
}

// Set stores the desired velocity (m/s, rad/s).
func (c *Command) Set(linear, angular float64) {
	c.mu.Lock()
	c.linear, c.angular = linear, angular
	c.mu.Unlock()
}

// Get returns the desired velocity.
func (c *Command) Get() (linear, angular float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.linear, c.angular
}
