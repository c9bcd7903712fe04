package robot

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/persistence/journal"
	"go.uber.org/zap"
)

// PoseSetter takes a pose an operator places the robot at: the pose
// estimator (Assemble's default), or another (Robot.SetPoseTarget).
type PoseSetter interface {
	SetPose(p hardware.Pose) error
}

// PoseJournalSource names the journal's input records of poses set by an
// operator: their data is {"x", "y", "yaw"}.
const PoseJournalSource = "pose"

// poseTimeout bounds how long SetPose waits for the control loop.
const poseTimeout = 2 * time.Second

// ErrPoseNotTaken is returned by SetPose when the control loop did not
// take the pose in time (the runtime is stopping, or not running).
var ErrPoseNotTaken = errors.New("the control loop did not take the pose")

// poseInput hands a pose from the API to the control loop. Like a line
// from a serial port, it is journaled when it arrives (at the tick under
// way) and taken by the next tick's first step, before the odometry: so a
// replay, which feeds it after that tick, applies it between the same two
// ticks as the live run did.
type poseInput struct {
	mu      sync.Mutex
	target  PoseSetter
	journal *journal.Journal // nil: not recorded
	pending *poseRequest
	log     *zap.Logger
}

type poseRequest struct {
	pose hardware.Pose
	done chan error // buffered: the step never waits
}

// PoseRecord is the journal data of a pose set by an operator.
type PoseRecord struct {
	X   float64 `json:"x"`
	Y   float64 `json:"y"`
	Yaw float64 `json:"yaw"`
}

// queue validates p, journals it and leaves it for the next tick.
func (m *poseInput) queue(p hardware.Pose) (<-chan error, error) {
	if math.IsNaN(p.X+p.Y+p.Yaw) || math.IsInf(p.X+p.Y+p.Yaw, 0) {
		return nil, fmt.Errorf("pose (%v, %v, %v) is not finite", p.X, p.Y, p.Yaw)
	}
	req := &poseRequest{pose: p, done: make(chan error, 1)}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.journal != nil {
		data, _ := json.Marshal(PoseRecord{p.X, p.Y, p.Yaw})
		m.journal.Record(PoseJournalSource, journal.RecordInput, data)
	}
	if old := m.pending; old != nil {
		old.done <- nil // a later pose in the same tick wins, as in a replay
	}
	m.pending = req
	return req.done, nil
}

// Step implements rosys.Stepper: it applies the pose set since the last
// tick.
func (m *poseInput) Step(time.Time, time.Duration) {
	m.mu.Lock()
	req, target := m.pending, m.target
	m.pending = nil
	m.mu.Unlock()
	if req == nil {
		return
	}
	err := target.SetPose(req.pose)
	if err != nil {
		m.log.Warn("setting the pose failed", zap.Error(err))
	}
	req.done <- err
}

// SetPose places the robot at p (x, y in metres, yaw in radians, in the
// local frame): journaled, then taken by the control loop on its next
// tick, before the odometry steps. It returns once the pose is taken, or
// ErrPoseNotTaken after 2 s.
func (r *Robot) SetPose(p hardware.Pose) error {
	done, err := r.poseIn.queue(p)
	if err != nil {
		return err
	}
	t := time.NewTimer(poseTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-r.Runtime.Stopped():
		return fmt.Errorf("%w: the robot is stopping", ErrPoseNotTaken)
	case <-t.C:
		return fmt.Errorf("%w within %s", ErrPoseNotTaken, poseTimeout)
	}
}

// SetPoseTarget makes t take the poses operators set, instead of the
// pose estimator.
func (r *Robot) SetPoseTarget(t PoseSetter) {
	r.poseIn.mu.Lock()
	r.poseIn.target = t
	r.poseIn.mu.Unlock()
}

// ApplyPoseRecord decodes a journaled pose (PoseJournalSource) and sets
// it, as a replay does; it is not journaled again.
func ApplyPoseRecord(r *Robot, data []byte) error {
	var rec PoseRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return fmt.Errorf("pose record: %w", err)
	}
	done, err := r.poseIn.queue(hardware.Pose{X: rec.X, Y: rec.Y, Yaw: rec.Yaw})
	if err != nil {
		return err
	}
	_ = done // taken by the next tick; the replay moves the clock
	return nil
}
