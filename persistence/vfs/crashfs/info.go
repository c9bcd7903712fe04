package crashfs

import (
	"io/fs"
	"time"
)

type fileInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
	sys   any
}

func info(name string, e any) fs.FileInfo {
	switch e := e.(type) {
	case *file:
		return fileInfo{name: name, size: int64(len(e.data)), mode: 0o644, mtime: e.mtime}
	case *dirNode:
		return fileInfo{name: name, mode: fs.ModeDir | 0o755, mtime: e.mtime}
	}
	return nil
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return i.mode }
func (i fileInfo) ModTime() time.Time { return i.mtime }
func (i fileInfo) IsDir() bool        { return i.mode.IsDir() }
func (i fileInfo) Sys() any           { return i.sys }
