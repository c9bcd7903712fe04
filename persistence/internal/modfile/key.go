package modfile

import (
	"fmt"
	"strings"
)

// maxKeyLen keeps file names well below the 255-byte limit of common file
// systems once suffixes such as ".json.corrupt-<time>" are added.
const maxKeyLen = 128

// ValidateKey reports whether key can name a module: a safe file name
// (ValidateName) whose module file, <key>.json, the data directory's
// listing takes for that key's file (Classify): never swept at open,
// never skipped by a listing or an export, never taken for a file the
// store makes beside a module file (.prev, .corrupt-, .tmp-, the store's
// own dot files). A refused key's error names the reason.
func ValidateKey(key string) error {
	if err := ValidateName(key); err != nil {
		return err
	}
	if k, kind := Classify(FileName(key)); kind != KindModule || k != key {
		why := reservedReason(key)
		if why == "" {
			why = "its file name is one the store keeps for its own files"
		}
		return fmt.Errorf("%w (%w): %q: %s", ErrInvalidKey, ErrReservedKey, key, why)
	}
	return nil
}

// ValidateName reports whether name is a safe file name (and object name
// part): letters, digits, '_', '.' and '-', not only dots ("." and ".."
// would escape or alias the directory), at most 128 bytes. Keys are
// names, and ValidateKey refuses the names reserved for the store's own
// files besides.
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(name) > maxKeyLen {
		return fmt.Errorf("%w: %q is longer than %d bytes", ErrInvalidKey, name, maxKeyLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '.' || c == '-'
		if !ok {
			return fmt.Errorf("%w: %q has %q; allowed are A-Z a-z 0-9 _ . -", ErrInvalidKey, name, c)
		}
	}
	if strings.Trim(name, ".") == "" {
		return fmt.Errorf("%w: %q is only dots", ErrInvalidKey, name)
	}
	return nil
}
