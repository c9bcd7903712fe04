package store_test

import (
	"runtime"
	"testing"

	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs/crashfs"
)

// The writers' P: one more P while any store that writes real files is
// open (see writersP), one for all of them, given back at the last Close.
// Not parallel: it reads the process-wide GOMAXPROCS.
func TestStoreHoldsOneMorePWhileOpen(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	a, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != before+1 {
		t.Fatalf("one store open: GOMAXPROCS %d, want %d", got, before+1)
	}
	b, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != before+1 {
		t.Fatalf("two stores open: GOMAXPROCS %d, want still %d", got, before+1)
	}
	replay := persistencetest.Open(t, t.TempDir(), store.WithAccess(store.AccessReplay))
	simulated := persistencetest.Open(t, t.TempDir(), store.WithFS(crashfs.New()))
	_, _ = replay, simulated
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != before+1 {
		t.Fatalf("one of two closed: GOMAXPROCS %d, want %d", got, before+1)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Fatalf("all writing stores closed (a replay store and one on a simulated disk still open): GOMAXPROCS %d, want %d", got, before)
	}
}
