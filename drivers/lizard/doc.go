// Package lizard drives an ESP32 motor controller running the Lizard
// firmware, the controller RoSys robots use, so existing robots can switch
// runtimes. It speaks Lizard's line protocol over a serial port
// (go.bug.st/serial): every line carries an XOR checksum, telemetry comes as
// "core" messages whose fields are configured by name, and the host sends a
// heartbeat so the controller can stop the motors when the host dies
// (core.last_message_age in Lizard's rules).
package lizard
