package localization

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/persistence"
)

// ModuleKey is the persistent module of the last estimate.
const ModuleKey = "pose"

// Saved is the persistent module "pose": the last committed estimate.
type Saved struct {
	X   float64 `json:"x"`
	Y   float64 `json:"y"`
	Yaw float64 `json:"yaw"`
	// Covariance over (x, y, yaw): m², m·rad, rad².
	Covariance [3][3]float64 `json:"covariance"`
	// Time is the control tick of the estimate.
	Time time.Time `json:"time"`
	// Sources were live when it was committed.
	Sources []string `json:"sources"`
	// Confirmed: an absolute correction (a fix, a set pose) had confirmed
	// it since the last restart.
	Confirmed bool `json:"confirmed"`
}

// coordLimit (m): a pose further from the origin than this is refused, as
// waypoints are.
const coordLimit = 1e5

// Validate refuses an estimate the filter cannot start from.
func (s Saved) Validate() error {
	if !(math.Abs(s.X) <= coordLimit && math.Abs(s.Y) <= coordLimit) {
		return fmt.Errorf("x, y: (%v, %v) is not within %g m of the origin", s.X, s.Y, coordLimit)
	}
	if math.IsNaN(s.Yaw) || math.IsInf(s.Yaw, 0) {
		return fmt.Errorf("yaw: %v is not finite", s.Yaw)
	}
	for i := range 3 {
		for j := range 3 {
			c := s.Covariance[i][j]
			if math.IsNaN(c) || math.IsInf(c, 0) || math.Abs(c) > 1e6 {
				return fmt.Errorf("covariance[%d][%d]: %v is not a finite value within 1e6", i, j, c)
			}
		}
		if s.Covariance[i][i] < 0 {
			return fmt.Errorf("covariance[%d][%d]: %v is negative", i, i, s.Covariance[i][i])
		}
	}
	if len(s.Sources) > len(sourceNames) {
		return errors.New("sources: more than there are")
	}
	return nil
}

// saved is the module's state as the control loop captures it (no
// strings, so capturing allocates nothing).
type saved struct {
	x, y, yaw float64
	p         mat3
	t         time.Time
	sources   uint8
	confirmed bool
}

// Module is the persistent module "pose" of an Estimator. Step captures
// the estimate into it at a stop and at least once a second while the
// robot moves; Backup encodes the capture.
type Module struct {
	persistence.Tracker
	e *Estimator

	mu   sync.Mutex
	last saved
}

var _ persistence.Persistable = (*Module)(nil)

func (m *Module) capture(s saved) {
	m.mu.Lock()
	m.last = s
	m.mu.Unlock()
	m.RequestBackup()
}

// Backup implements persistence.Persistable.
func (m *Module) Backup() any {
	m.mu.Lock()
	s := m.last
	m.mu.Unlock()
	return Saved{X: s.x, Y: s.y, Yaw: s.yaw, Covariance: s.p, Time: s.t, Sources: sourceList(s.sources), Confirmed: s.confirmed}
}

// Restore implements persistence.Persistable: the estimate goes on from
// the restored pose, marked unconfirmed. The data is decoded by the
// persistence package, so field names match exactly ({"x": 1, "X": 7} is
// refused, never taken for x as encoding/json alone would).
func (m *Module) Restore(data json.RawMessage) error {
	s, err := persistence.FromJSON(data, Saved{})
	if err != nil {
		return fmt.Errorf("pose: %w", err)
	}
	return m.restore(s)
}

// RestoreStrict implements persistence.StrictRestorer: a pose typed by a
// person (PUT /api/modules/pose, an import) may hold no unknown field.
func (m *Module) RestoreStrict(data json.RawMessage) error {
	s, err := persistence.FromJSON(data, Saved{})
	if err != nil {
		return fmt.Errorf("pose: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&Saved{}); err != nil {
		return fmt.Errorf("pose: %w", err)
	}
	return m.restore(s)
}

func (m *Module) restore(s Saved) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("pose: %w", err)
	}
	if m.e.cfg.Fresh {
		return nil
	}
	m.e.restore(s)
	return nil
}

// sourceList names the bits of src.
func sourceList(src uint8) []string {
	out := []string{}
	for i, n := range sourceNames {
		if src&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// savedLocked is the estimate to commit.
func (e *Estimator) savedLocked(now time.Time) saved {
	return saved{x: e.cur.x, y: e.cur.y, yaw: e.cur.yaw, p: e.cur.p, t: now, sources: e.liveLocked(now), confirmed: e.confirmed}
}

// restore goes on from s.
func (e *Estimator) restore(s Saved) {
	e.mu.Lock()
	p := mat3(s.Covariance)
	for i := range 3 {
		p[i][i] = math.Max(p[i][i], 1e-6)
		for j := i + 1; j < 3; j++ {
			p[j][i] = p[i][j] // symmetric, as the filter keeps it
		}
	}
	// A kill loses up to CommitInterval of motion: the robot may be that
	// far from the committed pose (restoreVar), so the first fix is not
	// refused for the distance.
	p[0][0] += restoreVar
	p[1][1] += restoreVar
	e.cur = state{x: s.X, y: s.Y, yaw: wrap(s.Yaw), p: p}
	if !e.hist.empty() {
		n := e.hist.newest()
		n.est, n.barrier = e.cur, true
	}
	e.restored = &restoredPose{at: s.Time, x: s.X, y: s.Y, yaw: s.Yaw}
	e.confirmed = false
	var src uint8
	for _, n := range s.Sources {
		for i, k := range sourceNames {
			if n == k {
				src |= 1 << i
			}
		}
	}
	e.mod.mu.Lock()
	e.mod.last = saved{x: s.X, y: s.Y, yaw: s.Yaw, p: p, t: s.Time, sources: src}
	e.mod.mu.Unlock()
	fn := e.cfg.OnRestore
	e.mu.Unlock()
	if fn != nil {
		fn(hardware.Pose{X: s.X, Y: s.Y, Yaw: wrap(s.Yaw), Time: s.Time})
	}
}

// restoreVar (m²) is added to a restored pose's position variance: half
// a metre, a second of motion at the speeds of field robots.
const restoreVar = 0.5 * 0.5

// restoredPose is where the estimate started after a restart.
type restoredPose struct {
	at        time.Time
	x, y, yaw float64
}
