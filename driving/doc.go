// Package driving moves the robot: an Arbiter that owns the wheels on the
// control loop and decides, every tick, who may drive them (safety stops,
// then manual steering, then the running automation); a Steerer for manual
// commands with a deadman; a Driver that follows paths of lines, arcs and
// splines with a carrot (pure-pursuit) controller; the persistent driving
// parameters; and a soft e-stop the API can press.
//
// Only the Arbiter talks to the wheels. Everyone else writes a desired
// velocity into a cell that the Arbiter reads on its next tick, so no
// goroutine but the control loop ever commands a motor, and a safety stop
// wins on the very next tick whatever the others ask.
package driving
