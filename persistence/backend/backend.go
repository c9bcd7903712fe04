package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// Backend stores objects by name, as Pathway's persistence backends do:
// the filesystem, S3, or memory for tests. Names are slash-separated paths
// under the backend's root ("meta/000042.json", "snapshots/model/42.json").
//
// A Backend is the layer under the mirror's metadata and snapshot storage;
// the store itself writes its local directory directly.
type Backend interface {
	// Get returns the object and its version, or ErrNotFound.
	Get(ctx context.Context, name string) ([]byte, Version, error)
	// Put writes the object whole (readers see the old or the new one),
	// under cond, and returns the new version. ErrConflict when cond
	// does not hold.
	Put(ctx context.Context, name string, data []byte, cond Condition) (Version, error)
	// List returns the objects whose names start with prefix, sorted.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)
	// Delete removes an object; deleting a missing one is not an error.
	Delete(ctx context.Context, name string) error
	// String names the backend for logs and errors.
	String() string
}

// Version identifies one stored state of an object (an ETag on S3, a
// content hash on the filesystem).
type Version string

// Condition makes a Put conditional, for leases and manifests that two
// writers must not overwrite silently.
type Condition struct {
	IfAbsent bool    // only if no object has the name
	IfMatch  Version // only if the object is at this version
}

// ObjectInfo describes a listed object.
type ObjectInfo struct {
	Name    string
	Size    int64
	Version Version
}

// Backend errors callers branch on.
var (
	ErrNotFound = errors.New("object not found")
	ErrConflict = errors.New("conditional write refused: the object changed")
)

// MaxObjectBytes bounds one object read from a backend (module objects,
// manifests, journal segments, leases), local or S3: far above anything a
// robot writes, it keeps a damaged, hostile or endless object from taking
// the process's memory before it is even parsed.
const MaxObjectBytes int64 = 256 << 20

// ValidateName checks an object name: relative, slash-separated, each part
// a safe file name (modfile.ValidateName).
func ValidateName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") {
		return fmt.Errorf("object name %q: must be a relative path", name)
	}
	for _, part := range strings.Split(name, "/") {
		if err := modfile.ValidateName(part); err != nil {
			return fmt.Errorf("object name %q: %w", name, err)
		}
	}
	return nil
}
