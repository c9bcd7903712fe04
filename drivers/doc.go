// Package drivers holds the real hardware drivers: the Lizard serial
// protocol for ESP32 motor controllers (drivers/lizard) and GPIO through
// periph.io (drivers/gpio). Each implements interfaces from package
// hardware; simulated twins live in hardware/sim.
package drivers
