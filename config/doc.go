// Package config loads robot.yaml, the description of a robot: name, board,
// control period, HTTP API, persistence (after Pathway's pw.persistence
// Config), the daily backup schedule and the hardware drivers.
//
// Loading is strict: an unknown key, a value of the wrong type or an
// invalid value is an error that names the key and its line.
package config
