package vfs

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"unsafe"
)

var _ NameFS = OS{}

// atFDCWD is AT_FDCWD: the *at system calls' paths are relative to the
// working directory, as the string operations' are.
const atFDCWD = -0x64

// cwd is atFDCWD as a system call's argument.
var cwd = func() uintptr { fd := atFDCWD; return uintptr(fd) }()

func zptr(n *Name) uintptr { return uintptr(unsafe.Pointer(&n.z[0])) }

// retry runs a system call until it is not interrupted (FUSE and CIFS
// mounts may interrupt one, as os retries).
func retry(call func() syscall.Errno) syscall.Errno {
	for {
		if e := call(); e != syscall.EINTR {
			return e
		}
	}
}

// LinkName is link(2) on the prepared names.
func (OS) LinkName(oldname, newname *Name) error {
	if e := retry(func() syscall.Errno {
		_, _, e := syscall.Syscall6(syscall.SYS_LINKAT, cwd, zptr(oldname), cwd, zptr(newname), 0, 0)
		return e
	}); e != 0 {
		return &os.LinkError{Op: "link", Old: oldname.s, New: newname.s, Err: e}
	}
	return nil
}

// RenameName is rename(2) on the prepared names, as OS.Rename.
func (OS) RenameName(oldname, newname *Name) error {
	if e := retry(func() syscall.Errno {
		_, _, e := syscall.Syscall6(syscall.SYS_RENAMEAT, cwd, zptr(oldname), cwd, zptr(newname), 0, 0)
		return e
	}); e != 0 {
		return &os.LinkError{Op: "rename", Old: oldname.s, New: newname.s, Err: e}
	}
	return nil
}

// RemoveName removes a file (not a directory: the store's names are
// files; os.Remove tries rmdir too).
func (OS) RemoveName(name *Name) error {
	if e := retry(func() syscall.Errno {
		_, _, e := syscall.Syscall(syscall.SYS_UNLINKAT, cwd, zptr(name), 0)
		return e
	}); e != 0 {
		if e == syscall.EISDIR {
			return os.Remove(name.s)
		}
		return pathErr("remove", name, e)
	}
	return nil
}

// openName opens name with flag, refusing what OS's openRegular refuses
// (a symbolic link, what is not a regular file), and fstats it into st.
func openName(name *Name, flag int, st *syscall.Stat_t) (int, error) {
	var fd uintptr
	e := retry(func() syscall.Errno {
		var e syscall.Errno
		fd, _, e = syscall.Syscall6(syscall.SYS_OPENAT, cwd, zptr(name), uintptr(flag|safeOpenFlags|syscall.O_LARGEFILE), 0, 0, 0)
		return e
	})
	if e != 0 {
		if e == syscall.ELOOP || e == syscall.ENXIO || e == syscall.EISDIR {
			return -1, pathErr("open", name, fmt.Errorf("%w (%v)", ErrNotRegular, e))
		}
		return -1, pathErr("open", name, e)
	}
	if err := syscall.Fstat(int(fd), st); err != nil {
		syscall.Close(int(fd))
		return -1, pathErr("stat", name, err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(int(fd))
		return -1, pathErr("open", name, fmt.Errorf("%w (%s)", ErrNotRegular, kind(fs.FileMode(0)|modeType(st.Mode))))
	}
	return int(fd), nil
}

// modeType is the fs type bits of a stat mode, for kind.
func modeType(m uint32) fs.FileMode {
	switch m & syscall.S_IFMT {
	case syscall.S_IFLNK:
		return fs.ModeSymlink
	case syscall.S_IFIFO:
		return fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		return fs.ModeSocket
	case syscall.S_IFBLK, syscall.S_IFCHR:
		return fs.ModeDevice
	case syscall.S_IFDIR:
		return fs.ModeDir
	}
	return fs.ModeIrregular
}

// OpenOverwriteName is OpenOverwrite on a prepared name; the file is the
// Name's own, a bare descriptor.
func (OS) OpenOverwriteName(name *Name) (OverwriteFile, error) {
	var st syscall.Stat_t
	fd, err := openName(name, syscall.O_WRONLY, &st)
	if err != nil {
		return nil, err
	}
	if st.Nlink != 1 {
		syscall.Close(fd)
		return nil, pathErr("open", name, ErrShared)
	}
	name.f = nameFile{fd: fd, n: name}
	return &name.f, nil
}

// ReadFileName is readRegular on a prepared name, through a bare
// descriptor: no os.File, no FileInfo, no copy of the path.
func (OS) ReadFileName(name *Name, limit int64, buf []byte) ([]byte, error) {
	var st syscall.Stat_t
	fd, err := openName(name, syscall.O_RDONLY, &st)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	if st.Size > limit {
		return nil, tooLarge(name.s, st.Size, limit)
	}
	b := buf[:0]
	if int64(cap(b)) < st.Size+1 {
		b = make([]byte, 0, st.Size+1)
	}
	// At most limit+1 bytes are read: a file that grew since the fstat,
	// or lies about its size, is caught either way (as readRegular).
	for int64(len(b)) <= limit {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		end := cap(b)
		if int64(end) > limit+1 {
			end = int(limit + 1)
		}
		n, err := syscall.Read(fd, b[len(b):end])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, pathErr("read", name, err)
		}
		if n == 0 {
			break
		}
		b = b[:len(b)+n]
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(name.s, int64(len(b)), limit)
	}
	return b, nil
}

// SyncDirName is SyncDir on a prepared name.
func (OS) SyncDirName(dir *Name) error {
	var fd uintptr
	e := retry(func() syscall.Errno {
		var e syscall.Errno
		fd, _, e = syscall.Syscall6(syscall.SYS_OPENAT, cwd, zptr(dir), uintptr(syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_DIRECTORY|syscall.O_LARGEFILE), 0, 0, 0)
		return e
	})
	if e != 0 {
		return fmt.Errorf("open directory for fsync: %w", pathErr("open", dir, e))
	}
	err := fsync(int(fd))
	syscall.Close(int(fd))
	if err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir.s, err)
	}
	return nil
}

func fsync(fd int) error {
	return errnoErr(retry(func() syscall.Errno {
		_, _, e := syscall.Syscall(syscall.SYS_FSYNC, uintptr(fd), 0, 0)
		return e
	}))
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// nameFile is a file open on a Name: a bare descriptor.
type nameFile struct {
	fd int
	n  *Name
}

func (f *nameFile) Name() string { return f.n.s }

func (f *nameFile) Write(p []byte) (int, error) {
	if f.fd < 0 {
		return 0, pathErr("write", f.n, os.ErrClosed)
	}
	done := 0
	for done < len(p) {
		n, err := syscall.Write(f.fd, p[done:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return done, pathErr("write", f.n, err)
		}
		if n == 0 {
			return done, pathErr("write", f.n, syscall.EIO)
		}
		done += n
	}
	return done, nil
}

func (f *nameFile) Sync() error {
	if f.fd < 0 {
		return pathErr("sync", f.n, os.ErrClosed)
	}
	if err := fsync(f.fd); err != nil {
		return pathErr("sync", f.n, err)
	}
	return nil
}

func (f *nameFile) Truncate(size int64) error {
	if f.fd < 0 {
		return pathErr("truncate", f.n, os.ErrClosed)
	}
	if err := errnoErr(retry(func() syscall.Errno {
		err := syscall.Ftruncate(f.fd, size)
		if err == nil {
			return 0
		}
		return err.(syscall.Errno)
	})); err != nil {
		return pathErr("truncate", f.n, err)
	}
	return nil
}

func (f *nameFile) Close() error {
	if f.fd < 0 {
		return pathErr("close", f.n, os.ErrClosed)
	}
	fd := f.fd
	f.fd = -1
	// close(2) is not retried: Linux frees the descriptor even when it
	// reports EINTR.
	if err := syscall.Close(fd); err != nil {
		return pathErr("close", f.n, err)
	}
	return nil
}
