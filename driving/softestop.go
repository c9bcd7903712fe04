package driving

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/persistence"
)

// SoftEStop is an e-stop pressed and released in software (the API's
// POST /api/estop, the dashboard's button): Set(true) presses it, and
// releasing takes an explicit Set(false); nothing releases it by itself.
//
// It is the persistent module "soft_estop" ({"active": bool}): a robot
// stopped by its operator is still stopped after a crash or power cut,
// until someone releases it.
type SoftEStop struct {
	persistence.Tracker
	hardware.Latch
}

var (
	_ hardware.EStop             = (*SoftEStop)(nil)
	_ persistence.Persistable    = (*SoftEStop)(nil)
	_ persistence.StrictRestorer = (*SoftEStop)(nil)
)

// ErrReleaseByRestore is returned by RestoreStrict (PUT
// /api/modules/soft_estop) for data that would release a pressed e-stop.
var ErrReleaseByRestore = errors.New("the soft e-stop is released only by POST /api/estop {\"active\": false}")

// SoftEStopKey is the soft e-stop's persistent module key.
const SoftEStopKey = "soft_estop"

type softEStopState struct {
	Active bool `json:"active"`
}

// Set presses (true) or releases (false) the e-stop and asks for a backup
// when that changed it.
func (s *SoftEStop) Set(active bool) {
	if s.Latch.Active() == active {
		return
	}
	s.Latch.Set(active)
	s.RequestBackup()
}

// Backup implements persistence.Persistable.
func (s *SoftEStop) Backup() any { return softEStopState{Active: s.Latch.Active()} }

// Restore implements persistence.Persistable: {"active": bool}. It presses
// the e-stop or leaves it as it is, never releases it: at start-up it is
// released anyway, and on a running robot an import or a restored version
// from before the press must not undo what an operator did (releasing
// takes Set(false), POST /api/estop).
func (s *SoftEStop) Restore(data json.RawMessage) error {
	st, err := decodeSoftEStop(data)
	if err != nil {
		return err
	}
	if st.Active == nil {
		return fmt.Errorf("soft e-stop: active: want true or false")
	}
	if *st.Active {
		s.Latch.Set(true)
	}
	return nil
}

// RestoreStrict is Restore for data typed by a person (PUT
// /api/modules/soft_estop): unknown fields are refused, and so is data
// that would release a pressed e-stop, rather than answered as if it had.
func (s *SoftEStop) RestoreStrict(data json.RawMessage) error {
	st, err := decodeSoftEStop(data)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&softEStopWire{}); err != nil {
		return fmt.Errorf("soft e-stop: %w", err)
	}
	if st.Active != nil && !*st.Active && s.Latch.Active() {
		return ErrReleaseByRestore
	}
	return s.Restore(data)
}

// softEStopWire is the stored data as read: Active is nil when missing.
type softEStopWire struct {
	Active *bool `json:"active"`
}

// decodeSoftEStop decodes through the persistence package's decoder, the
// one place module data becomes a Go value, so a field name matches
// exactly: {"Active": true} or {"active": true, "ACTIVE": false} is an
// error, never taken for "active" as encoding/json alone would.
func decodeSoftEStop(data json.RawMessage) (softEStopWire, error) {
	st, err := persistence.FromJSON(data, softEStopWire{})
	if err != nil {
		return softEStopWire{}, fmt.Errorf("soft e-stop: %w", err)
	}
	return st, nil
}
