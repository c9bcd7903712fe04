//go:build race

package ui_test

// raceEnabled: the race detector drops sync.Pool items at random, so
// allocation counts there say nothing about a build without it.
const raceEnabled = true
