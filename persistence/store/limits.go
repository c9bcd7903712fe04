package store

import (
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Size limits on what is read from disk. Each is far above anything a
// robot writes, and each keeps a damaged, hostile or endless file (a
// sparse 4 GiB file, a link to /dev/zero) from taking the process's memory
// before it is even parsed. Objects from a backend are bounded by
// backend.MaxObjectBytes, journal segments by journal.MaxSegmentBytes.
const (
	// DefaultMaxFileBytes bounds one module file (and its .prev); change
	// it with WithMaxFileBytes (robot.yaml: persistence.max_file_bytes).
	DefaultMaxFileBytes = modfile.DefaultMaxBytes
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
