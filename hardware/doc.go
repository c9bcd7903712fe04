// Package hardware holds the interfaces robot programs code against and
// the value types they exchange. Real drivers live in package drivers,
// simulated twins in hardware/sim. It knows nothing of persistence.
package hardware
