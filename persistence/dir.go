package persistence

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvDataDir names the environment variable that overrides the default
// data directory.
const EnvDataDir = "ROSYS_DATA_DIR"

// DefaultDir is $ROSYS_DATA_DIR, or ~/.rosys as in RoSys.
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvDataDir); d != "" {
		return ExpandHome(d)
	}
	return ExpandHome("~/.rosys")
}

// ExpandHome replaces a leading "~" with the user's home directory.
func ExpandHome(path string) (string, error) {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("expand %q: %w", path, err)
	}
	return filepath.Join(home, path[1:]), nil
}
