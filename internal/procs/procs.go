// Package procs changes GOMAXPROCS relative to its current value, so that
// the parts of a program that each want a P (a Go scheduler slot) of their
// own add it and take it back without undoing each other's.
package procs

import (
	"runtime"
	"sync"
)

var mu sync.Mutex

// Add changes GOMAXPROCS by n (negative takes back).
func Add(n int) {
	mu.Lock()
	defer mu.Unlock()
	runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0)+n, 1))
}

// Shared is one extra P that several users need, but only one of: it is
// added when the first user holds it and taken back when the last lets go.
type Shared struct {
	mu    sync.Mutex
	users int
}

// Hold adds the P if nobody holds it yet. The returned function lets go;
// calling it more than once lets go once.
func (s *Shared) Hold() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users == 0 {
		Add(1)
	}
	s.users++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.users--
			if s.users == 0 {
				Add(-1)
			}
		})
	}
}
