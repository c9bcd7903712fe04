package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Keep is how many versions besides current and previous, and how many
// pre-update exports, stay on the robot; older ones are removed after
// each update so the SD card does not fill up.
const Keep = 3

// prune removes the oldest version directories other than current and
// previous beyond Keep, and the oldest exports in backups/ beyond Keep.
// Errors are returned to be reported, never to undo an update.
func (l Layout) prune() error {
	cur, _ := l.CurrentID()
	prev, _ := l.PreviousID()
	var firstErr error
	note := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	dirs, err := oldestFirst(l.Versions(), func(e os.DirEntry) bool { return e.IsDir() && e.Name() != cur && e.Name() != prev })
	note(err)
	for len(dirs) > Keep {
		note(os.RemoveAll(filepath.Join(l.Versions(), dirs[0])))
		dirs = dirs[1:]
	}
	backups := l.path(Prefix + "/backups")
	files, err := oldestFirst(backups, func(e os.DirEntry) bool {
		return e.Type().IsRegular() && strings.HasPrefix(e.Name(), "pre-update-") && strings.HasSuffix(e.Name(), ".tar.gz")
	})
	note(err)
	for len(files) > Keep {
		note(os.Remove(filepath.Join(backups, files[0])))
		files = files[1:]
	}
	return firstErr
}

// oldestFirst lists dir's entries that keep accepts, oldest change first.
func oldestFirst(dir string, keep func(os.DirEntry) bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	type named struct {
		name string
		mod  int64
	}
	var out []named
	for _, e := range entries {
		if !keep(e) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, named{e.Name(), fi.ModTime().UnixNano()})
	}
	slices.SortFunc(out, func(a, b named) int {
		if a.mod != b.mod {
			return int(min(max(a.mod-b.mod, -1), 1))
		}
		return strings.Compare(a.name, b.name)
	})
	names := make([]string, len(out))
	for i, n := range out {
		names[i] = n.name
	}
	return names, nil
}
