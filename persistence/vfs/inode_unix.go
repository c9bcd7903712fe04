//go:build unix

package vfs

import (
	"io/fs"
	"syscall"
)

func inodeOfSys(info fs.FileInfo) (Inode, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || st == nil {
		return Inode{}, false
	}
	return Inode{Dev: uint64(st.Dev), Ino: st.Ino, Links: uint64(st.Nlink)}, true //nolint:unconvert // Dev and Nlink differ in width by platform
}
