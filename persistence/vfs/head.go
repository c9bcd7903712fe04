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
