//go:build race

package store_test

// raceEnabled: the race detector is on. sync.Pool then drops a quarter of
// what is put back (on purpose), so allocation figures mean nothing.
const raceEnabled = true
