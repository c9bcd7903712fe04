package persistence

import "github.com/gorosys/rosys/persistence/internal/modfile"

// ValidateKey reports whether key can name a module: letters, digits, '_',
// '.' and '-', not only dots, at most 128 bytes (keys become file names),
// and none of the names the store keeps for its own files: no ".tmp-"
// (temporary files, deleted at open), no ".corrupt-" (files moved aside),
// no part ".prev" (previous generations), no leading dot (.lock,
// .rosys-go/). The same rule decides which files of the data directory
// are module files (listed, restored, exported), so a key it accepts is
// never swept or hidden. The error names the key and the reason.
func ValidateKey(key string) error { return modfile.ValidateKey(key) }
