// Package ui serves the JSON API and the embedded web dashboard of a
// running robot. It reads runtime state and never blocks the control loop.
package ui
