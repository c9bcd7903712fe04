//go:build unix

package vfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// safeOpenFlags open a name without following a symbolic link (O_NOFOLLOW
// fails with ELOOP on one) and without blocking: opening a FIFO for
// reading waits for a writer, forever, unless O_NONBLOCK is set.
const safeOpenFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC

// openRegular opens name with flag plus safeOpenFlags and checks, on the
// opened descriptor (no race with a rename in between), that it is a
// regular file.
func openRegular(name string, flag int, perm fs.FileMode) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(name, flag|safeOpenFlags, perm)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.EISDIR) {
			// ELOOP: a symbolic link; ENXIO: a socket or a FIFO without
			// a reader (write side); EISDIR: a directory.
			return nil, nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%w (%v)", ErrNotRegular, unwrapPath(err))}
		}
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(info.Mode()))}
	}
	return f, info, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// kind names a file mode for error messages.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "is a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "is a named pipe"
	case m&fs.ModeSocket != 0:
		return "is a socket"
	case m&fs.ModeDevice != 0:
		return "is a device"
	case m.IsDir():
		return "is a directory"
	}
	return "is a " + m.Type().String() + " file"
}

// readRegular reads name whole, refusing what is not a regular file and
// anything over limit. The size is checked on the descriptor before the
// read, and the read itself is bounded too (limit+1): a file that grows
// while it is read, or lies about its size (/proc), is caught either way.
func readRegular(name string, limit int64, buf []byte) ([]byte, error) {
	f, info, err := openRegular(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info.Size() > limit {
		return nil, tooLarge(name, info.Size(), limit)
	}
	// Sized from the descriptor (one read and the EOF for a file that
	// does not change), not grown from 512 bytes by io.ReadAll: module
	// files are read on every history record, and the doublings were most
	// of that record's allocation. Into buf when it is large enough.
	b := buf[:0]
	if int64(cap(b)) < info.Size()+1 {
		b = make([]byte, 0, info.Size()+1)
	}
	r := io.LimitReader(f, limit+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // it grew since the fstat
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(name, int64(len(b)), limit)
	}
	return b, nil
}

func tooLarge(name string, size, limit int64) error {
	return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w: %d bytes or more, the limit is %d", ErrTooLarge, size, limit)}
}

// ReadFileBuf is ReadFile reading into buf's array when the file fits.
func (OS) ReadFileBuf(name string, limit int64, buf []byte) ([]byte, error) {
	return readRegular(name, limit, buf)
}

// OpenOverwrite opens an existing regular file for writing from its
// start, without truncating it: writing over blocks the file has already
// costs the file system no allocation, and no freeing (and no discard,
// on a file system mounted with -o discard) of the old ones. A file with
// more than one name is refused (ErrShared): writing into it would change
// the other names' bytes too.
func (OS) OpenOverwrite(name string) (OverwriteFile, error) {
	f, info, err := openRegular(name, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || st.Nlink != 1 {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: ErrShared}
	}
	return f, nil
}

// ReadHead reads at most n bytes from the start of a regular file, with
// ReadFile's guards (no link followed, nothing that blocks): enough to
// tell whose a file is without reading a file of any size whole.
func (OS) ReadHead(name string, n int) ([]byte, error) {
	f, _, err := openRegular(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	m, err := io.ReadFull(f, b)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return b[:m], err
}
