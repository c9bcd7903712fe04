package archive

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gorosys/rosys/persistence/vfs"
)

// Info describes an archive file for `rosys backup list`.
type Info struct {
	Path    string
	Size    int64
	ModTime time.Time
}

// List lists the .tar.gz files in dir, oldest name first.
func List(dir string) ([]Info, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".tar.gz") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return nil, err
		}
		out = append(out, Info{Path: filepath.Join(dir, e.Name()), Size: fi.Size(), ModTime: fi.ModTime()})
	}
	return out, nil
}

// rotate deletes the oldest files named <prefix>...tar.gz in dir beyond
// keep (names sort by time).
func rotate(fsys vfs.FS, dir, prefix string, keep int) error {
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), prefix) && strings.HasSuffix(e.Name(), ".tar.gz") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for len(names) > keep {
		if err := fsys.Remove(filepath.Join(dir, names[0])); err != nil {
			return err
		}
		names = names[1:]
	}
	return nil
}
