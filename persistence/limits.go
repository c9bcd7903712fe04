package persistence

import (
	"errors"

	"github.com/gorosys/rosys/persistence/internal/modfile"

	"github.com/gorosys/rosys/persistence/vfs"
)

// Size limits on what is read from disk or from a bucket. Each is far
// above anything a robot writes, and each keeps a damaged, hostile or
// endless file (a sparse 4 GiB file, a link to /dev/zero) from taking the
// process's memory before it is even parsed.
const (
	// DefaultMaxFileBytes bounds one module file (and its .prev); change
	// it with WithMaxFileBytes (robot.yaml: persistence.max_file_bytes).
	DefaultMaxFileBytes = modfile.DefaultMaxBytes
	// MaxObjectBytes bounds one object read from a backend (module
	// objects, manifests, journal segments, leases), local or S3.
	MaxObjectBytes int64 = 256 << 20
	// maxSegmentBytes bounds one journal segment read back; segments
	// rotate at a few MiB.
	maxSegmentBytes = MaxObjectBytes
)

// Errors for files the store refuses to read; re-exported from vfs so
// callers of this package need not import it.
var (
	// ErrNotRegular: a symbolic link, FIFO, device, socket or directory
	// where a file was expected. It is never opened for reading.
	ErrNotRegular = vfs.ErrNotRegular
	// ErrTooLarge: a file or object over its size limit, refused unread.
	ErrTooLarge = vfs.ErrTooLarge
)

// unreadable reports whether err says a file is not one this package
// reads (not regular, too large), as opposed to missing or unreachable.
func unreadable(err error) bool {
	return errors.Is(err, ErrNotRegular) || errors.Is(err, ErrTooLarge)
}

// WithMaxFileBytes sets the largest module file the store reads (default
// DefaultMaxFileBytes). A larger file is refused before it is read, moved
// aside and reported like a damaged one.
func WithMaxFileBytes(n int64) Option {
	return func(s *Store) {
		if n > 0 {
			s.maxFile = n
		}
	}
}
