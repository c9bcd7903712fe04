package persistence_test

import (
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

func TestFilesystemBackend(t *testing.T) {
	persistencetest.TestBackend(t, func(t *testing.T) persistence.Backend {
		b, err := persistence.NewFilesystem(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestMemoryBackend(t *testing.T) {
	persistencetest.TestBackend(t, func(*testing.T) persistence.Backend { return persistence.NewMemory() })
}
