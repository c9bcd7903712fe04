package store

import (
	"os"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// EnvDataDir names the environment variable that overrides the default
// data directory.
const EnvDataDir = "ROSYS_DATA_DIR"

// DefaultDir is $ROSYS_DATA_DIR, or ~/.rosys as in RoSys.
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvDataDir); d != "" {
		return vfs.ExpandHome(d)
	}
	return vfs.ExpandHome("~/.rosys")
}

// WriteFileAtomic writes data to path with the same guarantees as module
// files: the old or the new complete file survives any crash.
func WriteFileAtomic(path string, data []byte) error { return atomicfile.WriteFile(path, data) }
