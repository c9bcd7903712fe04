package replay

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// Summary is what a replay found, as `rosys replay` prints it.
type Summary struct {
	Mode      Mode          `json:"mode"`
	Records   int           `json:"records"`
	Inputs    int           `json:"inputs"`
	From      time.Time     `json:"from"`
	To        time.Time     `json:"to"`
	FinalPose hardware.Pose `json:"final_pose"` // odometry
	// FusedPose is the pose estimate at the end (package localization):
	// replayed from the estimator's journaled inputs (FusionInputs of
	// them) when the run recorded them, else the replay robot's own.
	FusedPose        hardware.Pose              `json:"fused_pose"`
	FusionInputs     int                        `json:"fusion_inputs"`
	Modules          map[string]json.RawMessage `json:"modules"`
	RecordedCommands int                        `json:"recorded_speed_commands"`
	SentCommands     int                        `json:"sent_speed_commands"`
	// CommandsDiffer is set when the distinct speed commands the code
	// sends now differ from those recorded; FirstDifference says where.
	CommandsDiffer  bool   `json:"commands_differ"`
	FirstDifference string `json:"first_difference,omitempty"`
}

// compareCommands compares the distinct successive commands (the driver
// coalesces repeated speeds, so counts differ with timing; changes do not).
func compareCommands(recorded, sent []string) (bool, string) {
	a, b := slices.Compact(slices.Clone(recorded)), slices.Compact(slices.Clone(sent))
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return true, fmt.Sprintf("change %d: recorded %s, now %s", i+1, a[i], b[i])
		}
	}
	if len(a) != len(b) {
		return true, fmt.Sprintf("recorded %d distinct commands, now %d", len(a), len(b))
	}
	return false, ""
}
