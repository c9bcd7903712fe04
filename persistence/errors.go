package persistence

import (
	"errors"

	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// Sentinel errors that callers branch on; wrapped with details. The
// store's own are in package store.
var (
	ErrInvalidKey = modfile.ErrInvalidKey
	// ErrReservedKey, beside ErrInvalidKey, marks a key that is a safe
	// file name the store keeps for its own files (see ValidateKey).
	ErrReservedKey = modfile.ErrReservedKey
	// ErrInvalidValue wraps the error of a Value's Validate check.
	ErrInvalidValue = errors.New("invalid value")
)
