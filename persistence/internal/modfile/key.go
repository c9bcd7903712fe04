package modfile

import (
	"fmt"
	"strings"
)

// maxKeyLen keeps file names well below the 255-byte limit of common file
// systems once suffixes such as ".json.corrupt-<time>" are added.
const maxKeyLen = 128

// ValidateKey reports whether key can name a module: letters, digits, '_',
// '.' and '-', not only dots (".", ".." would escape or alias the directory),
// at most 128 bytes. Keys become file names, so nothing else is allowed.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > maxKeyLen {
		return fmt.Errorf("%w: %q is longer than %d bytes", ErrInvalidKey, key, maxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '.' || c == '-'
		if !ok {
			return fmt.Errorf("%w: %q has %q; allowed are A-Z a-z 0-9 _ . -", ErrInvalidKey, key, c)
		}
	}
	if strings.Trim(key, ".") == "" {
		return fmt.Errorf("%w: %q is only dots", ErrInvalidKey, key)
	}
	return nil
}
