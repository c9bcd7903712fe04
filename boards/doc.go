// Package boards describes the boards rosys runs on (Raspberry Pi 4 and 5,
// Jetson Orin Nano, Jetson Nano, and the simulated "sim" board): their
// default serial device and GPIO line names, and detection from the device
// tree.
package boards
