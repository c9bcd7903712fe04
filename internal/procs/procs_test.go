package procs

import (
	"runtime"
	"testing"
)

func TestAddIsRelative(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	Add(2)
	Add(1)
	if got := runtime.GOMAXPROCS(0); got != before+3 {
		t.Fatalf("GOMAXPROCS %d after adding 3 to %d", got, before)
	}
	Add(-2)
	Add(-1)
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Fatalf("GOMAXPROCS %d after taking back, want %d", got, before)
	}
}

func TestSharedAddsOneWhileAnyoneHolds(t *testing.T) {
	var s Shared
	before := runtime.GOMAXPROCS(0)
	a := s.Hold()
	b := s.Hold()
	if got := runtime.GOMAXPROCS(0); got != before+1 {
		t.Fatalf("two holders: GOMAXPROCS %d, want %d", got, before+1)
	}
	a()
	a() // a second release must not take back b's P
	if got := runtime.GOMAXPROCS(0); got != before+1 {
		t.Fatalf("one holder left: GOMAXPROCS %d, want %d", got, before+1)
	}
	b()
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Fatalf("no holder: GOMAXPROCS %d, want %d", got, before)
	}
}
