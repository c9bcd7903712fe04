// Package sim has simulated twins of every hardware interface. They are
// stepped by the runtime's control loop with the runtime's clock, so under
// the virtual clock of rosystest they are fully deterministic.
package sim
