package replay

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/robot"
)

// recording is what a journal holds for a replay: the controller's lines
// and the poses operators set (robot.PoseJournalSource), in the order
// recorded, the speed commands sent then, and the live run's last control
// tick.
type recording struct {
	inputs   []journal.Record
	commands []string // speed commands, without their "@..." suffix
	lastTick uint64
}

func readRecording(ctx context.Context, dir, speedPrefix string) (recording, error) {
	var rec recording
	jdir := filepath.Join(dir, "journal")
	err := journal.Read(ctx, vfs.OS{}, jdir, func(r journal.Record) error {
		if r.Kind == journal.RecordTick {
			rec.lastTick = max(rec.lastTick, r.Tick)
			return nil
		}
		if r.Source == robot.PoseJournalSource && r.Kind == journal.RecordInput {
			rec.inputs = append(rec.inputs, r)
			return nil
		}
		if r.Source != "lizard" {
			return nil
		}
		switch r.Kind {
		case journal.RecordInput:
			rec.inputs = append(rec.inputs, r)
		case journal.RecordCommand:
			if c := string(r.Data); strings.HasPrefix(c, speedPrefix) {
				rec.commands = append(rec.commands, strings.SplitN(c, "@", 2)[0])
			}
		}
		return nil
	})
	if err != nil {
		return rec, err
	}
	if len(rec.inputs) == 0 {
		return rec, fmt.Errorf("%w in %s (enable hardware.lizard.journal)", ErrNoInput, jdir)
	}
	if len(rec.inputs[0].Data) == 0 {
		return rec, ErrOffsetsOnly
	}
	return rec, nil
}
