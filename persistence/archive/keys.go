package archive

import (
	"fmt"
	"maps"
	"slices"

	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// ValidateKeys refuses a set of module files if any key is not one the
// store accepts (modfile.ValidateKey: a file under a reserved key would
// be swept or hidden after it was written). Every import checks it
// before it writes anything, whatever made the archive (Read does too,
// but a fleet restore or a program builds its own); the error wraps
// ErrInvalid and names the key and the reason.
func ValidateKeys(files map[string][]byte) error {
	for _, key := range slices.Sorted(maps.Keys(files)) {
		if err := modfile.ValidateKey(key); err != nil {
			return fmt.Errorf("%w: %w; nothing written", ErrInvalid, err)
		}
	}
	return nil
}
