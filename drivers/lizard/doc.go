// Package lizard drives an ESP32 microcontroller running the Lizard
// firmware, the controller RoSys robots use, so existing robots can switch
// runtimes. It speaks Lizard's line protocol over a serial port
// (go.bug.st/serial): every line carries an XOR checksum, telemetry comes as
// "core" messages whose fields are configured by name, and the host sends a
// heartbeat so the controller can stop the motors when the host dies
// (core.last_message_age in Lizard's rules). The protocol itself (lines,
// checksums, the line reader, core decoding, clock sync, BMS frames) is
// package wire; this package is the driver built on it.
//
// Hardware modules (Wheels, EStop, Bumper, Battery, IMU, Expander, Serial,
// Can, CodeLines) each bring the startup code they need, the core fields
// they read and a typed value for the control loop; Generate makes the
// whole startup script, Configure uploads and checks it as Lizard's
// configure.py does, and the Driver compares the controller's startup
// checksum at connect (Config.Configure: check, auto or off). E-stops and
// bumpers are safety paths: the driver stops the wheels the moment one is
// active and refuses to drive, naming every reason in Status.Refusing.
// A module type of a user's own package is a CustomModule, made a Module
// by Custom (see examples/linearaxis).
package lizard
