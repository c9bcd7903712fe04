package modfile

import (
	"errors"
)

// Errors callers branch on; package persistence re-exports them, and the
// journal and the mirror use ErrUnknownFormat for their own formats.
var (
	ErrInvalidKey = errors.New("invalid module key")
	// ErrReservedKey, beside ErrInvalidKey, marks a key that is a safe
	// file name but one the store keeps for its own files (ValidateKey).
	ErrReservedKey = errors.New("reserved for the store's own files")
	// ErrUnknownFormat marks a file that is one of ours (its format names
	// this project, or it has the envelope's shape) in a format or version
	// this program does not know. Like store.ErrNewerSchema, it is kept aside
	// unchanged, never read as something else and never overwritten.
	ErrUnknownFormat = errors.New("file is in a format this program does not know")
)
