// Package provider is the persistent module camera_provider, in RoSys's
// shape: {"cameras": {id: {settings…, "calibration": {…} | null}}}. It
// keeps every camera's settings and calibration across restarts, so that a
// recalibration is a history version that can be restored.
//
// Settings come from robot.yaml: a configured camera always runs with the
// configured ones, and the module records them (a restore changes a
// configured camera's calibration, not its settings). A camera the module
// knows but robot.yaml no longer names keeps its entry, calibration
// included, as RoSys keeps cameras that are not connected.
//
// Credentials are not part of Settings at all, so they can reach neither
// the module's files, its history, exports nor S3: a network camera's user
// and password stay with its source (robot.yaml and the environment).
package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/gorosys/rosys/camera/calib"
	"github.com/gorosys/rosys/persistence"
)

// Key is the module's key.
const Key = "camera_provider"

// MaxCameras bounds the cameras the module keeps.
const MaxCameras = 64

// Settings are a camera's settings as robot.yaml gives them (no
// credentials: see the package doc).
type Settings struct {
	ID           string `json:"id"`
	Kind         string `json:"kind"`
	Device       string `json:"device,omitempty"`
	URL          string `json:"url,omitempty"`
	Width        int    `json:"width,omitempty"`
	Height       int    `json:"height,omitempty"`
	FPS          int    `json:"fps,omitempty"`
	Exposure     *int   `json:"exposure,omitempty"`
	Gain         *int   `json:"gain,omitempty"`
	WhiteBalance *int   `json:"white_balance,omitempty"`
}

// Entry is one camera in the module.
type Entry struct {
	Settings
	Calibration *calib.Calibration `json:"calibration"`
}

// Data is the module's state.
type Data struct {
	Cameras map[string]Entry `json:"cameras"`
}

// Provider is the camera_provider module.
type Provider struct {
	persistence.Tracker

	mu         sync.Mutex
	configured map[string]Settings
	cams       map[string]Entry
	onChange   []func(id string)
}

var (
	_ persistence.Persistable    = (*Provider)(nil)
	_ persistence.StrictRestorer = (*Provider)(nil)
)

// New is the module for the configured cameras (robot.yaml's), without
// calibrations until restored or set.
func New(configured []Settings) *Provider {
	p := &Provider{configured: map[string]Settings{}, cams: map[string]Entry{}}
	for _, s := range configured {
		p.configured[s.ID] = s
		p.cams[s.ID] = Entry{Settings: s}
	}
	return p
}

// OnChange calls fn (outside the module's lock) with a camera's id after
// its calibration changed: set, restored, imported.
func (p *Provider) OnChange(fn func(id string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onChange = append(p.onChange, fn)
}

// Backup implements persistence.Persistable.
func (p *Provider) Backup() any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Data{Cameras: p.copyLocked()}
}

func (p *Provider) copyLocked() map[string]Entry {
	out := make(map[string]Entry, len(p.cams))
	for id, e := range p.cams {
		out[id] = cloneEntry(e)
	}
	return out
}

func cloneEntry(e Entry) Entry {
	if e.Calibration != nil {
		c := *e.Calibration
		c.Intrinsics.D = slices.Clone(c.Intrinsics.D)
		e.Calibration = &c
	}
	return e
}

// Restore implements persistence.Persistable: unknown fields are ignored
// (files of other versions).
func (p *Provider) Restore(data json.RawMessage) error { return p.restore(data, false) }

// RestoreStrict implements persistence.StrictRestorer: data typed by a
// person (PUT /api/modules/camera_provider) may hold no unknown field.
func (p *Provider) RestoreStrict(data json.RawMessage) error { return p.restore(data, true) }

func (p *Provider) restore(data json.RawMessage, strict bool) error {
	// Through the persistence package's decoder, so field names match
	// exactly ({"CAMERAS": ...} is refused, not taken for "cameras").
	d, err := persistence.FromJSON(data, Data{})
	if err != nil {
		return fmt.Errorf("%s: %w", Key, err)
	}
	if strict {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&Data{}); err != nil {
			return fmt.Errorf("%s: %w", Key, err)
		}
	}
	if len(d.Cameras) > MaxCameras {
		return fmt.Errorf("%s: %d cameras; at most %d", Key, len(d.Cameras), MaxCameras)
	}
	for id, e := range d.Cameras {
		if err := persistence.ValidateKey(id); err != nil {
			return fmt.Errorf("%s: camera id: %w", Key, err)
		}
		if e.ID != "" && e.ID != id {
			return fmt.Errorf("%s: camera %q holds id %q", Key, id, e.ID)
		}
		// calib.Calibration's own decoder has refused what cannot be
		// used (non-finite numbers, a singular rotation).
	}
	p.mu.Lock()
	next := make(map[string]Entry, len(d.Cameras)+len(p.configured))
	for id, e := range d.Cameras {
		e.ID = id
		if s, ok := p.configured[id]; ok {
			e.Settings = s // robot.yaml's settings run; see the package doc
		}
		next[id] = e
	}
	for id, s := range p.configured {
		if _, ok := next[id]; !ok {
			next[id] = Entry{Settings: s}
		}
	}
	var changed []string
	for id, e := range next {
		if old, ok := p.cams[id]; !ok || !sameCalibration(old.Calibration, e.Calibration) {
			changed = append(changed, id)
		}
	}
	for id := range p.cams {
		if _, ok := next[id]; !ok {
			changed = append(changed, id)
		}
	}
	p.cams = next
	hooks := slices.Clone(p.onChange)
	p.mu.Unlock()
	slices.Sort(changed)
	for _, id := range changed {
		for _, fn := range hooks {
			fn(id)
		}
	}
	return nil
}

func sameCalibration(a, b *calib.Calibration) bool {
	if a == nil || b == nil {
		return a == b
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// ErrUnknownCamera is a camera the module does not hold.
var ErrUnknownCamera = errors.New("unknown camera")

// Calibration returns a copy of the camera's calibration; false when it
// has none (or the camera is unknown).
func (p *Provider) Calibration(id string) (calib.Calibration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.cams[id]
	if !ok || e.Calibration == nil {
		return calib.Calibration{}, false
	}
	return *cloneEntry(e).Calibration, true
}

// SetCalibration stores the camera's calibration (nil removes it) and asks
// for a backup: a new history version.
func (p *Provider) SetCalibration(id string, c *calib.Calibration) error {
	if c != nil {
		if err := c.Check(); err != nil {
			return err
		}
	}
	p.mu.Lock()
	e, ok := p.cams[id]
	if !ok {
		p.mu.Unlock()
		return fmt.Errorf("%w %q", ErrUnknownCamera, id)
	}
	if c != nil {
		cc := cloneEntry(Entry{Calibration: c}).Calibration
		e.Calibration = cc
	} else {
		e.Calibration = nil
	}
	p.cams[id] = e
	hooks := slices.Clone(p.onChange)
	p.mu.Unlock()
	p.RequestBackup()
	for _, fn := range hooks {
		fn(id)
	}
	return nil
}

// Settings returns the camera's settings.
func (p *Provider) Settings(id string) (Settings, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.cams[id]
	return e.Settings, ok
}

// IDs lists the cameras the module holds, sorted.
func (p *Provider) IDs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(maps.Keys(p.cams))
}

// ErrUncalibrated is a camera without a calibration.
var ErrUncalibrated = errors.New("camera is not calibrated")

// Applicable returns the camera's calibration when it can be applied to
// frames of width×height; otherwise why not: ErrUncalibrated, or an error
// wrapping calib.ErrResolution for a calibration made at another size,
// which is never applied (see calib.Intrinsics.Scaled to make one).
func (p *Provider) Applicable(id string, width, height int) (calib.Calibration, error) {
	c, ok := p.Calibration(id)
	if !ok {
		return calib.Calibration{}, fmt.Errorf("%w: %s", ErrUncalibrated, id)
	}
	if err := c.Valid(width, height); err != nil {
		return calib.Calibration{}, fmt.Errorf("camera %s: %w", id, err)
	}
	return c, nil
}
