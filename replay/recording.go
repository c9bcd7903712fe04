package replay

import (
	"context"
	"fmt"
	"time"

	"github.com/gorosys/rosys/hardware"
	"path/filepath"
	"strings"

	"github.com/gorosys/rosys/localization"
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
	// fusion are the pose estimator's recorded inputs (source
	// localization), in order.
	fusion []journal.Record
}

func readRecording(ctx context.Context, dir, speedPrefix string) (recording, error) {
	var rec recording
	jdir := filepath.Join(dir, "journal")
	err := journal.Read(ctx, vfs.OS{}, jdir, func(r journal.Record) error {
		if r.Kind == journal.RecordTick {
			rec.lastTick = max(rec.lastTick, r.Tick)
			return nil
		}
		if r.Source == localization.JournalSource && r.Kind == journal.RecordInput {
			rec.fusion = append(rec.fusion, r)
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

// replayFusion feeds the recorded estimator inputs to a new estimator:
// the live run's estimate, bit for bit.
func replayFusion(recs []journal.Record, staleAfter time.Duration) (hardware.Pose, error) {
	e, err := localization.New(localization.Config{Replay: true, StaleAfter: staleAfter})
	if err != nil {
		return hardware.Pose{}, err
	}
	for _, r := range recs {
		if err := e.Apply(r.Data); err != nil {
			return hardware.Pose{}, fmt.Errorf("journal record at %s: %w", r.Time.Format(time.RFC3339Nano), err)
		}
	}
	return e.Pose(), nil
}
