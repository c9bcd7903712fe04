package vfs

// HeadReader is a file system that can read the start of a file alone
// (OS, crashfs, faultfs).
type HeadReader interface {
	ReadHead(name string, n int) ([]byte, error)
}

// ReadHead reads at most n bytes from the start of name: through the
// file system's own ReadHead if it has one, else as a whole file of at
// most n bytes (a larger one is ErrTooLarge).
func ReadHead(fsys FS, name string, n int) ([]byte, error) {
	if h, ok := fsys.(HeadReader); ok {
		return h.ReadHead(name, n)
	}
	return fsys.ReadFile(name, int64(n))
}

// BufReader is a file system that can read a whole file into a buffer
// the caller reuses (OS).
type BufReader interface {
	ReadFileBuf(name string, limit int64, buf []byte) ([]byte, error)
}

// ReadFileBuf is fsys.ReadFile, into buf's array when the file fits and
// the file system can (BufReader): a reader that reads files again and
// again keeps one buffer instead of making garbage of every file.
func ReadFileBuf(fsys FS, name string, limit int64, buf []byte) ([]byte, error) {
	if r, ok := fsys.(BufReader); ok {
		return r.ReadFileBuf(name, limit, buf)
	}
	return fsys.ReadFile(name, limit)
}
