package store

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// HistoryList is a module's kept versions, oldest first, in the one
// shape the HTTP API (GET /api/modules/{key}/history) and `rosys backup
// history --json` give them.
type HistoryList struct {
	Key      string            `json:"key"`
	Versions []history.Version `json:"versions"` // never null
}

// writtenSchema is the schema version the robot writes key at, as far as
// a data directory alone tells: that of its module file, else of its
// .prev (a plain file at the version its sidecar names), else 1, the
// version of data nobody migrated. what says where it came from.
func writtenSchema(fsys vfs.FS, dir, key string) (int, string) {
	main := filepath.Join(dir, modfile.FileName(key))
	for _, p := range []string{main, main + atomicfile.PrevSuffix} {
		b, err := fsys.ReadFile(p, DefaultMaxFileBytes)
		if err != nil {
			continue
		}
		if st, err := modfile.Decode(key, modfile.WithVersion(fsys, dir, key, b)); err == nil {
			return st.SchemaVersion, fmt.Sprintf("the robot writes %d (%s)", st.SchemaVersion, p)
		}
	}
	return 1, "and no module file in the data directory says the robot reads more than 1"
}

// ListHistoryDir lists a module's kept versions in a data directory that no
// robot is using: it takes the directory's lock (ErrLocked while a robot
// runs; ask its API instead) because listing may repair the index.
func ListHistoryDir(dir, key string) ([]history.Version, error) {
	fsys := vfs.OS{}
	lock, err := archive.LockDir(fsys, dir, time.Now())
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	h := history.New(fsys, dir, history.Config{}, time.Now, DefaultMaxFileBytes)
	defer h.Close()
	return h.List(key)
}

// RestoreVersionDir puts a module in a data directory that no robot is
// using back to a kept version (rosys backup restore). The version's data
// is written as the module's file, saved at now, keeping the file it
// replaces as <key>.json.prev, and recorded as the newest version, so the
// restore loses nothing. Schema migrations run when the robot next starts.
// A version that is not kept is ErrNoVersion and nothing changes.
func RestoreVersionDir(dir, key string, sel history.Selector, now time.Time, cfg history.Config) (from, to history.Version, err error) {
	if err := persistence.ValidateKey(key); err != nil {
		return from, to, err
	}
	fsys := vfs.OS{}
	lock, err := archive.LockDir(fsys, dir, now)
	if err != nil {
		return from, to, err
	}
	defer lock.Close()
	h := history.New(fsys, dir, cfg, func() time.Time { return now }, DefaultMaxFileBytes)
	defer h.Close()
	if from, err = h.Find(key, sel); err != nil {
		return from, to, err
	}
	b, err := h.Read(key, from)
	if err != nil {
		return from, to, err
	}
	st, err := modfile.Decode(key, b)
	if err != nil {
		return from, to, fmt.Errorf("module %q version %d: %w; nothing changed", key, from.Version, err)
	}
	if known, what := writtenSchema(fsys, dir, key); st.SchemaVersion > known {
		// As RestoreVersion on the running robot refuses it: written here,
		// the next start would only set it aside.
		return from, to, fmt.Errorf("%w: module %q version %d has schema version %d, %s: restore it on the running robot (POST /api/modules/%s/restore), which knows the module's schema; nothing changed",
			ErrNewerSchema, key, from.Version, st.SchemaVersion, what, key)
	}
	if st.Plain && from.SchemaVersion > 1 {
		// Format rosys: the data file does not say its schema version, and
		// only the running store keeps the sidecar that would.
		return from, to, fmt.Errorf("module %q version %d is plain data of schema version %d: restore it on the running robot (POST /api/modules/%s/restore); nothing changed",
			key, from.Version, from.SchemaVersion, key)
	}
	out := b // a plain RoSys file is written back as it was
	if !st.Plain {
		if out, err = modfile.Encode(key, st.SchemaVersion, now, json.RawMessage(st.Data)); err != nil {
			return from, to, err
		}
	}
	w := atomicfile.Writer{FS: fsys, Dir: dir, KeepPrev: true}
	if err := w.Write(key+".json", out); err != nil {
		return from, to, err
	}
	if err := w.Sync(); err != nil {
		return from, to, err
	}
	to, err = h.Record(key, filepath.Join(dir, key+".json"), now, int64(len(out)), sha256.Sum256(out))
	if err != nil {
		return from, to, errors.Join(fmt.Errorf("restored version %d, but the restore is not in the history", from.Version), err)
	}
	return from, to, nil
}
