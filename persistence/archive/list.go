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
	// RoSys is set for a daily backup of RoSys' BackupSchedule,
	// YYYY-MM-DD.json (an export.json); Read and import take it as well.
	RoSys bool
}

// IsRoSysDaily reports whether name is a daily backup of RoSys'
// BackupSchedule: <YYYY-MM-DD>.json.
func IsRoSysDaily(name string) bool {
	day, ok := strings.CutSuffix(name, ".json")
	if !ok {
		return false
	}
	_, err := time.Parse(time.DateOnly, day)
	return err == nil && len(day) == len(time.DateOnly)
}

// List lists the .tar.gz files and RoSys' daily backups in dir, sorted by
// name.
func List(dir string) ([]Info, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range entries {
		rosys := IsRoSysDaily(e.Name())
		if !e.Type().IsRegular() || !(rosys || strings.HasSuffix(e.Name(), ".tar.gz")) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return nil, err
		}
		out = append(out, Info{Path: filepath.Join(dir, e.Name()), Size: fi.Size(), ModTime: fi.ModTime(), RoSys: rosys})
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
