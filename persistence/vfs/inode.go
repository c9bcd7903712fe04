package vfs

import "io/fs"

// Inode is a file's identity and its count of names (hard links), as
// Lstat tells where the file system says: two names of one Inode are one
// file, and writing through one changes what the other reads.
type Inode struct {
	Dev, Ino uint64
	Links    uint64
}

// InodeOf reads the Inode of a FileInfo from Lstat; ok is false where the
// file system does not say (then nothing about shared files is known).
func InodeOf(info fs.FileInfo) (Inode, bool) {
	switch s := info.Sys().(type) {
	case Inode:
		return s, true
	case *Inode:
		return *s, s != nil
	}
	return inodeOfSys(info)
}
