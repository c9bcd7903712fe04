package rosys

import (
	"os"
	"syscall"
	"unsafe"
)

// The paths as the kernel takes them (NUL-terminated), so that opening
// them allocates nothing: syscall.Open copies its string argument into a
// new byte slice at every call.
var (
	procSelfFD    = [...]byte{'/', 'p', 'r', 'o', 'c', '/', 's', 'e', 'l', 'f', '/', 'f', 'd', 0}
	procSelfStatm = [...]byte{'/', 'p', 'r', 'o', 'c', '/', 's', 'e', 'l', 'f', '/', 's', 't', 'a', 't', 'm', 0}
)

const atFDCWD = -0x64 // AT_FDCWD

func openat(path *byte, flags int) (int, error) {
	at := atFDCWD
	fd, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(at), uintptr(unsafe.Pointer(path)),
		uintptr(flags|syscall.O_RDONLY|syscall.O_CLOEXEC), 0, 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// files counts the open descriptors (the entries of /proc/self/fd but the
// one reading it) and reads the resident set from /proc/self/statm, with
// raw system calls into p's buffer: os.ReadDir and os.ReadFile allocate a
// File, the names and the contents at every read.
func (p *processReader) files() (open int, rss uint64) {
	if p.buf == nil {
		p.buf = make([]byte, 8<<10)
	}
	if fd, err := openat(&procSelfFD[0], syscall.O_DIRECTORY); err == nil {
		n := 0
		for {
			m, err := syscall.ReadDirent(fd, p.buf)
			if err != nil || m <= 0 {
				break
			}
			n += countDirents(p.buf[:m])
		}
		_ = syscall.Close(fd)
		open = n - 1 // the directory being read
	}
	if fd, err := openat(&procSelfStatm[0], 0); err == nil {
		m, err := syscall.Read(fd, p.buf)
		_ = syscall.Close(fd)
		if err == nil && m > 0 {
			rss = statmResident(p.buf[:m]) * uint64(os.Getpagesize())
		}
	}
	return open, rss
}

// countDirents counts the entries of a getdents64 buffer but "." and
// "..": each is ino (8 bytes), off (8), reclen (2), type (1), name NUL.
func countDirents(b []byte) int {
	n := 0
	for len(b) >= 19 {
		reclen := int(*(*uint16)(unsafe.Pointer(&b[16])))
		if reclen < 24 || reclen > len(b) { // 8-aligned: at least one byte of name and its NUL
			break
		}
		name := b[19:reclen]
		if !(name[0] == '.' && (name[1] == 0 || name[1] == '.' && name[2] == 0)) {
			n++
		}
		b = b[reclen:]
	}
	return n
}

// statmResident is the second field of /proc/self/statm (resident pages).
func statmResident(b []byte) uint64 {
	i := 0
	for i < len(b) && b[i] != ' ' {
		i++
	}
	var v uint64
	for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + uint64(b[i]-'0')
	}
	return v
}
