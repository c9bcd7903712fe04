package store

import (
	"context"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
)

// A module's file size is known from Restore on, so the first cycle after
// start-up already encodes large modules ahead of the writers; a module
// restored from no file counts as small until it is written.
func TestFileSizeKnownFromRestore(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	open := func() (*Store, *persistence.Value[string], *persistence.Value[string]) {
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		big, small := persistence.NewValue(strings.Repeat("b", encodeAheadMin)), persistence.NewValue("s")
		if err := s.Register("big", big); err != nil {
			t.Fatal(err)
		}
		if err := s.Register("small", small); err != nil {
			t.Fatal(err)
		}
		if err := s.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		return s, big, small
	}
	s, _, _ := open()
	if n := s.entries["big"].fileSize.Load(); n != 0 {
		t.Fatalf("big has a file size (%d) before any file exists", n)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s.entries["big"].fileSize.Load(); n < encodeAheadMin {
		t.Fatalf("big's file size after a write: %d", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, _, _ = open()
	defer s.Close()
	if n := s.entries["big"].fileSize.Load(); n < encodeAheadMin {
		t.Fatalf("big's file size after Restore: %d, want at least %d", n, encodeAheadMin)
	}
	if n := s.entries["small"].fileSize.Load(); n <= 0 || n >= encodeAheadMin {
		t.Fatalf("small's file size after Restore: %d", n)
	}
}
