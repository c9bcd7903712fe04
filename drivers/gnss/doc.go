// Package gnss reads a GNSS receiver, either straight from its serial port
// (NMEA 0183: GGA, RMC, GST, HDT, with our own parser) or through gpsd's
// JSON protocol, and keeps the latest measurement as a hardware.GNSS in the
// local frame of a reference point (hardware.GeoReference: x north, y
// west, as RoSys).
//
// The Driver is a runtime module: Start connects in the background and
// retries while the port or gpsd is unreachable; GNSS and Fresh read the
// latest measurement without blocking on I/O or allocating, for the
// control loop; Status reports it for /api/status with its age, whether it
// is stale, and counters. Package gnsstest simulates a receiver on a real
// pty and runs the real gpsd for tests.
package gnss
