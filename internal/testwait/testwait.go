// Package testwait waits in tests for values from a channel, without
// sleeping: a value satisfying the condition ends the wait at once; the
// bound only turns a value that never comes into a failure.
package testwait

import (
	"testing"
	"time"
)

// Bound is how long For waits before failing the test.
const Bound = 30 * time.Second

// For reads ch until ok holds for a value, which it returns; it fails the
// test, naming what, if none comes within Bound.
func For[T any](t testing.TB, ch <-chan T, what string, ok func(T) bool) T {
	t.Helper()
	timeout := time.After(Bound)
	for {
		select {
		case v := <-ch:
			if ok(v) {
				return v
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Equal is a condition for For: the value equals want.
func Equal[T comparable](want T) func(T) bool { return func(v T) bool { return v == want } }

// pollEvery is how often Until looks at its condition.
const pollEvery = 10 * time.Millisecond

// Until polls cond until it holds; it fails the test, naming what, if it
// does not within Bound. For state that has no channel to wait on.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(pollEvery)
	}
}
