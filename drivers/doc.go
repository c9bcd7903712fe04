// Package drivers holds the real hardware drivers: the Lizard serial
// protocol for ESP32 motor controllers (drivers/lizard), GPIO through
// periph.io (drivers/gpio) and GNSS receivers, NMEA or gpsd (drivers/gnss). Each implements interfaces from package
// hardware; simulated twins live in hardware/sim.
package drivers
