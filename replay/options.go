package replay

import (
	"errors"
	"fmt"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/robot"
	"go.uber.org/zap"
)

// Mode is how the journal is replayed.
type Mode string

// The replay modes (robot.yaml's speedrun_replay, realtime_replay, batch).
const (
	// Speedrun replays on virtual time, as fast as possible; each recorded
	// line reaches the control loop between the same two ticks as live.
	Speedrun Mode = "speedrun"
	// Realtime replays at the recorded pace.
	Realtime Mode = "realtime"
	// Batch feeds all recorded input at once, then reports the state.
	Batch Mode = "batch"
)

// Sentinel errors callers may branch on.
var (
	// ErrNoInput: the journal holds no recorded controller input.
	ErrNoInput = errors.New("no recorded controller input")
	// ErrOffsetsOnly: the journal was written with snapshot_access:
	// offsets_only, so it says where input was, not what it was.
	ErrOffsetsOnly = errors.New("the journal holds offsets only (snapshot_access: offsets_only): nothing to replay")
	// ErrMode: Options.Mode is none of the modes above.
	ErrMode = errors.New("unknown replay mode")
)

// Options say what to replay and on which robot.
type Options struct {
	// Config is the robot.yaml the run was recorded with (nil:
	// config.Default()). Its Lizard section gives the recorded core
	// fields and the wheels module's name.
	Config *config.Robot
	// DataDir holds the journal (DataDir/journal) and the module state
	// the replay starts from. It is opened read-only.
	DataDir string
	// Mode is Speedrun when empty.
	Mode Mode
	// Install adds the modules the recorded robot had beyond the standard
	// ones (robot.Assemble's), as the live run's main did; nil adds none.
	// Modules missing here are absent from the replay, and their stored
	// files are left as they are.
	Install func(*robot.Robot) error
	// LizardTypes are the Lizard module types of the user's own packages
	// that the recorded robot.yaml declares (robot.Options.LizardTypes):
	// their core fields are part of the recorded lines.
	LizardTypes []robot.LizardType
	Log         *zap.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.Config == nil {
		o.Config = config.Default()
	}
	if o.Mode == "" {
		o.Mode = Speedrun
	}
	switch o.Mode {
	case Speedrun, Realtime, Batch:
	default:
		return o, fmt.Errorf("%w %q: %s, %s or %s", ErrMode, o.Mode, Speedrun, Realtime, Batch)
	}
	if o.DataDir == "" {
		return o, errors.New("replay: no data directory")
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	return o, nil
}

// speedPrefix starts the wheels' speed commands: "<wheels module>.speed(".
func speedPrefix(cfg *config.Robot) string {
	if l := cfg.Hardware.Lizard; l != nil {
		for _, m := range l.Modules {
			if m.Type == "wheels" {
				return m.Name + ".speed("
			}
		}
	}
	return "wheels.speed("
}
