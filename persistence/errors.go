package persistence

import (
	"errors"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"

	"github.com/gorosys/rosys/persistence/vfs"
)

// Sentinel errors that callers branch on; wrapped with details.
var (
	ErrInvalidKey   = modfile.ErrInvalidKey
	ErrDuplicateKey = errors.New("module key already registered")
	ErrUnknownKey   = errors.New("no module registered under key")
	// ErrNotRestored refuses to write a module that was never restored:
	// writing it would replace the stored state with defaults.
	ErrNotRestored = errors.New("module not restored yet")
	// ErrNewerSchema marks a file written by a newer program version.
	ErrNewerSchema = errors.New("file has a newer schema version than this program knows")
	// ErrUnknownFormat marks a file that is one of ours in a format or
	// version this program does not know (see modfile).
	ErrUnknownFormat = modfile.ErrUnknownFormat
	// ErrInvalidValue wraps the error of a Value's Validate check.
	ErrInvalidValue = errors.New("invalid value")
	// ErrLocked: another process holds the data directory.
	ErrLocked = vfs.ErrLocked
	// ErrReadOnly refuses changes to a store opened for replay.
	ErrReadOnly = errors.New("store is read-only (snapshot_access: replay)")
)

// ValidateKey reports whether key can name a module: letters, digits, '_',
// '.' and '-', not only dots, at most 128 bytes. Keys become file names,
// so nothing else is allowed.
func ValidateKey(key string) error { return modfile.ValidateKey(key) }

// WriteFileAtomic writes data to path with the same guarantees as module
// files: the old or the new complete file survives any crash.
func WriteFileAtomic(path string, data []byte) error { return atomicfile.WriteFile(path, data) }
