package journal

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap"
)

// MaxSegmentBytes bounds one segment read back; segments rotate at a few
// MiB. It is the backends' bound on one object (256 MiB), since a segment
// is also uploaded and fetched as one.
const MaxSegmentBytes int64 = 256 << 20

// Segments lists the segment files in dir, oldest first (names sort by
// sequence number); the newest is the one being written.
func Segments(fsys vfs.FS, dir string) ([]string, error) {
	entries, err := fsys.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".seg") {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

func (j *Journal) dropHeaderless(path string) error {
	fsys := j.cfg.FS
	info, err := fsys.Lstat(path)
	if err != nil {
		return err
	}
	if info.Size() <= int64(len(segmentMagic)) {
		if err := fsys.Remove(path); err != nil {
			return fmt.Errorf("journal: remove empty segment: %w", err)
		}
		j.log.Warn("journal: removed a segment cut off before its header (power cut at rotation?)", zap.String("segment", path))
		return fsys.SyncDir(j.cfg.Dir)
	}
	aside, err := atomicfile.MoveAside(fsys, path, j.cfg.Now())
	if err != nil {
		return fmt.Errorf("journal: segment %s has no valid header and cannot be moved aside: %w", path, err)
	}
	j.log.Error("journal: segment has no valid header; moved aside", zap.String("segment", path), zap.String("moved_to", aside))
	return nil
}

// truncateTorn cuts a segment after its last intact record and returns
// how many bytes it removed, or -1 when not even the segment's header is
// intact (the caller removes the segment then).
func truncateTorn(fsys vfs.FS, path string) (int64, error) {
	b, err := fsys.ReadFile(path, MaxSegmentBytes)
	if err != nil {
		return 0, err
	}
	if !bytes.HasPrefix(b, []byte(segmentMagic)) {
		return -1, nil
	}
	good := int64(len(segmentMagic))
	for {
		_, n, err := parseRecord(b[good:])
		if err != nil {
			break
		}
		good += int64(n)
	}
	cut := int64(len(b)) - good
	if cut == 0 {
		return 0, nil
	}
	if err := fsys.Truncate(path, good); err != nil {
		return 0, fmt.Errorf("journal: truncate %s: %w", path, err)
	}
	return cut, nil
}

func (j *Journal) enforceBounds() error {
	segs, err := Segments(j.cfg.FS, j.cfg.Dir)
	if err != nil {
		return err
	}
	var total int64
	infos := make([]fs.FileInfo, len(segs))
	for i, s := range segs {
		if infos[i], err = j.cfg.FS.Lstat(filepath.Join(j.cfg.Dir, s)); err != nil {
			return err
		}
		total += infos[i].Size()
	}
	now := j.cfg.Now()
	for i := 0; i < len(segs)-1; i++ { // never the current one
		if total <= j.cfg.MaxBytes && now.Sub(infos[i].ModTime()) <= j.cfg.MaxAge {
			break
		}
		if err := j.cfg.FS.Remove(filepath.Join(j.cfg.Dir, segs[i])); err != nil {
			return err
		}
		total -= infos[i].Size()
	}
	return nil
}

// unreadable reports whether err says a file is not one the journal reads
// (not regular, too large), as opposed to missing or unreachable.
func unreadable(err error) bool {
	return errors.Is(err, vfs.ErrNotRegular) || errors.Is(err, vfs.ErrTooLarge)
}
