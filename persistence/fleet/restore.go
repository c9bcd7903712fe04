package fleet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Errors callers branch on.
var (
	// ErrNoRobot: no robot of that name (or root) in the bucket.
	ErrNoRobot = errors.New("no such robot in the bucket")
	// ErrNoGeneration: the chosen generation has no readable manifest.
	ErrNoGeneration = errors.New("no such generation")
	// ErrNotEmpty: the data directory holds module files (use Force).
	ErrNotEmpty = errors.New("data directory is not empty")
	// ErrElsewhere: the robot's snapshot storage is not in this bucket.
	ErrElsewhere = errors.New("snapshots outside this bucket")
)

// RestoreOptions choose what Restore brings and where.
type RestoreOptions struct {
	// Generation to restore; 0 is the newest whose manifest reads.
	Generation uint64
	// Dir is the data directory of the replacement board.
	Dir string
	// Force restores into a directory that holds module files; their
	// state is kept as a rollback archive first (as `backup import`).
	Force bool
	// Progress, if set, is called after each module with the bytes and
	// modules fetched so far and in all.
	Progress func(doneBytes, totalBytes int64, doneModules, totalModules int)
	Now      time.Time
}

// Restored says what Restore did.
type Restored struct {
	Robot      Robot
	Generation uint64
	Modules    []string
	Bytes      int64
	Rollback   string // the directory's previous state, with Force
}

// Find is the robot named name (its manifest's robot name, or its root).
func Find(ctx context.Context, b Bucket, name string, lim Limits) (Robot, error) {
	robots, err := List(ctx, b, lim)
	if err != nil {
		return Robot{}, err
	}
	var found []Robot
	for _, r := range robots {
		if r.Name == name || r.Root == name {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return Robot{}, fmt.Errorf("%w: %q", ErrNoRobot, name)
	case 1:
		return found[0], nil
	}
	var roots []string
	for _, r := range found {
		roots = append(roots, r.Root)
	}
	return Robot{}, fmt.Errorf("%q names %d robots (roots %s): give the root instead", name, len(found), strings.Join(roots, ", "))
}

// Restore brings one generation of the robot under root onto opt.Dir:
// every object the manifest names is fetched, checked against its size and
// SHA-256 and decoded before anything is written; then all are written at
// once (archive.ImportDir: the directory's lock, a rollback archive of what
// was there, atomic files in the directory's format). A failure writes
// nothing.
func Restore(ctx context.Context, b Bucket, r Robot, opt RestoreOptions, lim Limits) (Restored, error) {
	res := Restored{Robot: r}
	man, err := chooseManifest(ctx, b, r.Root, opt.Generation, lim)
	if err != nil {
		return res, err
	}
	res.Generation = man.Generation
	if paths, err := modfile.Paths(vfs.OS{}, opt.Dir); err == nil && len(paths) > 0 && !opt.Force {
		return res, fmt.Errorf("%w: %s holds %d module files; use --force (their state is kept as a rollback archive)", ErrNotEmpty, opt.Dir, len(paths))
	}
	objRoot, err := objectsRoot(b, r, man)
	if err != nil {
		return res, err
	}
	if err := checkManifest(man, r.Root, objRoot); err != nil {
		return res, err
	}
	var total int64
	for _, e := range man.Modules {
		total += e.Size
	}
	if total > archive.DefaultLimits.MaxTotal {
		return res, fmt.Errorf("generation %d is %d bytes, the limit is %d", man.Generation, total, archive.DefaultLimits.MaxTotal)
	}
	files := map[string][]byte{}
	keys := slices.Sorted(maps.Keys(man.Modules))
	for i, key := range keys {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		e := man.Modules[key]
		data, _, err := b.Get(ctx, join(objRoot, e.Object))
		if err != nil {
			return res, fmt.Errorf("module %q: %w; nothing written", key, err)
		}
		switch {
		case int64(len(data)) != e.Size:
			return res, fmt.Errorf("module %q: %s is %d bytes, the manifest says %d; nothing written", key, e.Object, len(data), e.Size)
		case mirror.Checksum(data) != e.SHA256:
			return res, fmt.Errorf("module %q: %s fails its SHA-256; nothing written", key, e.Object)
		}
		if _, err := modfile.Decode(key, data); err != nil {
			return res, fmt.Errorf("module %q: %s: %w; nothing written", key, e.Object, err)
		}
		files[key] = data
		res.Bytes += int64(len(data))
		if opt.Progress != nil {
			opt.Progress(res.Bytes, total, i+1, len(keys))
		}
	}
	imp, err := archive.ImportDir(vfs.OS{}, opt.Dir, &archive.Archive{Files: files}, opt.Now)
	if err != nil {
		return res, err
	}
	res.Modules, res.Rollback = keys, imp.Rollback
	return res, nil
}

// checkManifest refuses, before anything is fetched, a manifest naming
// what no robot of ours writes: a module key that is no key (a path
// with "../" or "/", dots only: it would become a file name outside
// the data directory or aliasing it), an object name or root that is
// not a relative path of keys, an object larger than an archive may hold.
// A hostile or damaged bucket is named, never followed.
func checkManifest(man mirror.Manifest, root, objRoot string) error {
	where := fmt.Sprintf("generation %d of %s", man.Generation, root)
	if objRoot != "" {
		if err := backend.ValidateName(objRoot); err != nil {
			return fmt.Errorf("%s keeps its states under root %q, which is refused: %w; nothing written", where, objRoot, err)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(man.Modules)) {
		e := man.Modules[key]
		if err := modfile.ValidateKey(key); err != nil {
			return fmt.Errorf("%s names module %q, which is refused: %w; nothing written", where, key, err)
		}
		if err := backend.ValidateName(e.Object); err != nil {
			return fmt.Errorf("%s: module %q: object %q refused: %w; nothing written", where, key, e.Object, err)
		}
		if e.Size < 0 || e.Size > archive.DefaultLimits.MaxFile {
			return fmt.Errorf("%s: module %q: object %s announces %d bytes, refused (at most %d); nothing written",
				where, key, e.Object, e.Size, archive.DefaultLimits.MaxFile)
		}
	}
	return nil
}

// chooseManifest reads generation gen of the robot under root, or the
// newest that reads when gen is 0.
func chooseManifest(ctx context.Context, b Bucket, root string, gen uint64, lim Limits) (mirror.Manifest, error) {
	names, err := manifestNames(ctx, b, root, lim)
	if err != nil {
		return mirror.Manifest{}, err
	}
	var lastErr error
	for _, name := range slices.Backward(names) {
		man, err := readManifest(ctx, b, name)
		if err != nil {
			lastErr = fmt.Errorf("%s: %w", name, err)
			continue
		}
		if gen == 0 || man.Generation == gen {
			return man, nil
		}
	}
	if gen != 0 {
		return mirror.Manifest{}, fmt.Errorf("%w: generation %d of %s is not in the bucket (or its manifest is damaged: %v)", ErrNoGeneration, gen, root, lastErr)
	}
	return mirror.Manifest{}, fmt.Errorf("%w: no readable manifest under %s: %v", ErrNoGeneration, root, lastErr)
}

// TakeOver hands the robot's lease to host, the replacement board that a
// Restore filled (mirror.HandOverLease): its mirror then mirrors to the
// robot's root, where it would be refused while the lease names the old
// board. Only once the old board is gone for good: two boards mirroring
// to one root would overwrite each other's generations.
func TakeOver(ctx context.Context, b Bucket, r Robot, host string, now time.Time) (mirror.LeaseHolder, error) {
	return mirror.HandOverLease(ctx, b, join(r.Root, mirror.LeaseName), host, now)
}

// objectsRoot is the root a manifest's objects are under: the robot's own,
// or its snapshot storage's when the robot splits metadata and snapshot
// storage, which must then be in the same bucket.
func objectsRoot(b Bucket, r Robot, man mirror.Manifest) (string, error) {
	loc := man.Snapshots
	if loc == nil {
		return r.Root, nil
	}
	if l, ok := b.(mirror.Located); ok && loc.Bucket != "" {
		if bucket, _ := l.Location(); bucket == loc.Bucket {
			return loc.Root, nil
		}
	}
	return "", fmt.Errorf("%w: generation %d of %s keeps its module states in %s (snapshot_storage), outside %s; nothing written",
		ErrElsewhere, man.Generation, r.Root, loc.Where, b)
}
