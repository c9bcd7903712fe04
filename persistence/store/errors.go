package store

import (
	"errors"

	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Sentinel errors that callers branch on; wrapped with details. Those of
// keys and values (ErrInvalidKey, ErrReservedKey, ErrInvalidValue) are
// package persistence's.
var (
	ErrDuplicateKey = errors.New("module key already registered")
	ErrUnknownKey   = errors.New("no module registered under key")
	// ErrNotRestored refuses to write a module that was never restored:
	// writing it would replace the stored state with defaults.
	ErrNotRestored = errors.New("module not restored yet")
	// ErrNewerSchema marks a file written by a newer program version.
	ErrNewerSchema = errors.New("file has a newer schema version than this program knows")
	// ErrUnknownFormat marks a file that is one of ours (its format names
	// this project, or it has the envelope's shape) in a format or version
	// this program does not know: a module file, a manifest, a journal
	// segment. Like ErrNewerSchema, it is kept aside unchanged, never read
	// as something else and never overwritten.
	ErrUnknownFormat = modfile.ErrUnknownFormat
	// ErrLocked: another process holds the data directory.
	ErrLocked = vfs.ErrLocked
	// ErrCommittedOverLimit: a module file (or .prev) the store committed
	// itself is over the max_file_bytes limit (lowered since). Restore and
	// the offline commands stop with it, naming the file, its size, the
	// key and the limit, instead of setting the robot's state aside;
	// rosys run exits 2. A foreign oversized file is still moved aside.
	ErrCommittedOverLimit = modfile.ErrCommittedOverLimit
	// ErrReadOnly refuses changes to a store opened for replay.
	ErrReadOnly = errors.New("store is read-only (snapshot_access: replay)")
)
