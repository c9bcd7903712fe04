package journal

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"

	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// Read calls fn for every record in dir on fsys (vfs.OS{} for the disk;
// tests model power cuts with another), oldest first. A torn tail
// in the newest segment ends the journal quietly (that is what a power cut
// leaves); damage anywhere else is an error naming the segment and offset.
// It never panics on garbage.
func Read(ctx context.Context, fsys vfs.FS, dir string, fn func(Record) error) error {
	segs, err := Segments(fsys, dir)
	if err != nil {
		return err
	}
	for i, s := range segs {
		b, err := fsys.ReadFile(filepath.Join(dir, s), MaxSegmentBytes)
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(b, []byte(segmentMagic)) {
			if i == len(segs)-1 && len(b) < len(segmentMagic) {
				return nil
			}
			if bytes.HasPrefix(b, []byte("RJNL")) {
				// Ours, from a newer program: named, never guessed at.
				return fmt.Errorf("journal segment %s: %w: header %q, this program reads %q", s, modfile.ErrUnknownFormat, b[:min(len(b), len(segmentMagic))], segmentMagic)
			}
			return fmt.Errorf("journal segment %s: not a journal segment", s)
		}
		off := len(segmentMagic)
		for off < len(b) {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, n, err := parseRecord(b[off:])
			if err != nil {
				if i == len(segs)-1 {
					return nil
				}
				return fmt.Errorf("journal segment %s: damaged at offset %d: %w", s, off, err)
			}
			if err := fn(r); err != nil {
				return err
			}
			off += n
		}
	}
	return nil
}
