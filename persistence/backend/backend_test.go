package backend_test

import (
	"testing"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/vfs"
)

func TestFilesystemBackend(t *testing.T) {
	persistencetest.TestBackend(t, func(t *testing.T) backend.Backend {
		b, err := backend.NewFilesystem(vfs.OS{}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestMemoryBackend(t *testing.T) {
	persistencetest.TestBackend(t, func(*testing.T) backend.Backend { return backend.NewMemory() })
}
