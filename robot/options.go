package robot

import (
	"github.com/gorosys/rosys/clock"
	"go.uber.org/zap"
)

// Options are what New takes beside robot.yaml. The zero value is a
// robot with its state in robot.yaml's filesystem backend,
// $ROSYS_DATA_DIR or ~/.rosys, that logs nothing.
type Options struct {
	// DataDir overrides where the state lives (see DataDir).
	DataDir string
	// Log is the logger every part logs to, named per component.
	Log *zap.Logger
	// Version is logged at start.
	Version string
	// Clock drives the runtime; nil is the real clock. Tests pass a
	// clock.Virtual.
	Clock clock.Clock
	// LizardTypes are Lizard module types of your own packages (a linear
	// axis, a relay), which robot.yaml then declares by type; load
	// robot.yaml with Load(path, o) so that it knows them.
	LizardTypes []LizardType
}

func (o Options) logger() *zap.Logger {
	if o.Log == nil {
		return zap.NewNop()
	}
	return o.Log
}
