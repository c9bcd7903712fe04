package persistence

import "github.com/gorosys/rosys/persistence/internal/modfile"

// ValidateKey reports whether key can name a module: letters, digits, '_',
// '.' and '-', not only dots, at most 128 bytes. Keys become file names,
// so nothing else is allowed.
func ValidateKey(key string) error { return modfile.ValidateKey(key) }
