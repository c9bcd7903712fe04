package driving_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/gorosys/rosys/driving"
)

// The soft e-stop persists its state; a restore (start-up, an import, a
// history version) may press it but never release it, and data typed
// through the API that would release it is refused, not ignored.
func TestSoftEStopPersists(t *testing.T) {
	var s driving.SoftEStop
	s.Set(true)
	b, _ := json.Marshal(s.Backup())
	if string(b) != `{"active":true}` {
		t.Fatalf("backup %s", b)
	}
	var after driving.SoftEStop // a restart
	if err := after.Restore(b); err != nil || !after.Active() {
		t.Fatalf("restored %v, %v", after.Active(), err)
	}
	if err := after.Restore(json.RawMessage(`{"active": false}`)); err != nil || !after.Active() {
		t.Fatalf("a restore released it: %v, %v", after.Active(), err)
	}
	if err := after.RestoreStrict(json.RawMessage(`{"active": false}`)); !errors.Is(err, driving.ErrReleaseByRestore) || !after.Active() {
		t.Fatalf("strict release: %v, active %v", err, after.Active())
	}
	for _, bad := range []string{`{}`, `{"active": "yes"}`, `[true]`, `{"active": null}`} {
		var e driving.SoftEStop
		if err := e.Restore(json.RawMessage(bad)); err == nil {
			t.Errorf("%s restored", bad)
		}
	}
	var e driving.SoftEStop
	if err := e.RestoreStrict(json.RawMessage(`{"active": true, "extra": 1}`)); err == nil || e.Active() {
		t.Fatalf("unknown field: %v, active %v", err, e.Active())
	}
	after.Set(false)
	if after.Active() {
		t.Fatal("Set(false) did not release it")
	}
}

// Field names match exactly in the soft e-stop's data too, as everywhere
// module data is decoded: {"Active": true} is not {"active": true}, at
// start-up, by an import or a PUT. Before, its own json.Unmarshal matched
// names case-insensitively: PUT {"Active": true} pressed it (200), and
// {"active": true, "ACTIVE": false} was read as a release.
func TestSoftEStopFieldNamesMatchExactly(t *testing.T) {
	for _, body := range []string{
		`{"Active": true}`, `{"ACTIVE": true}`, `{"aCtIvE": false}`,
		`{"active": true, "ACTIVE": false}`, `{"ACTIVE": false, "active": true}`,
		`{"activſ": true}`,
	} {
		var s driving.SoftEStop
		if err := s.Restore(json.RawMessage(body)); err == nil || s.Active() {
			t.Errorf("Restore(%s): %v, active %v; want an error and no change", body, err, s.Active())
		}
		var p driving.SoftEStop
		if err := p.RestoreStrict(json.RawMessage(body)); err == nil || p.Active() {
			t.Errorf("RestoreStrict(%s): %v, active %v; want an error and no change", body, err, p.Active())
		}
		var pressed driving.SoftEStop
		pressed.Set(true)
		if err := pressed.RestoreStrict(json.RawMessage(body)); err == nil || !pressed.Active() {
			t.Errorf("pressed, RestoreStrict(%s): %v, active %v; want an error and still pressed", body, err, pressed.Active())
		}
	}
	var s driving.SoftEStop
	if err := s.RestoreStrict(json.RawMessage(`{"active": true}`)); err != nil || !s.Active() {
		t.Fatalf("the exact name: %v, active %v", err, s.Active())
	}
}
