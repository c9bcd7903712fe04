package persistence_test

import (
	"encoding/json"
	"testing"

	"github.com/gorosys/rosys/persistence"
)

// ptrMarshal encodes differently behind a pointer: encoding/json calls a
// pointer receiver's MarshalJSON only on an addressable value.
type ptrMarshal struct{ N int }

func (p *ptrMarshal) MarshalJSON() ([]byte, error) { return []byte(`"pointer"`), nil }

type holdsPtrMarshal struct{ Inner ptrMarshal }

// ownBackup embeds a Value but backs up something else.
type ownBackup struct {
	*persistence.Value[gains]
}

func (o ownBackup) Backup() any { return "mine" }

func TestSharedBackupLendsWhatBackupReturns(t *testing.T) {
	v := persistence.NewValue(route{Name: "r", Points: [][2]float64{{1, 2}}})
	sb, ok := persistence.SharedBackupOf(v)
	if !ok {
		t.Fatal("a Value is a SharedBackup")
	}
	want, err := json.Marshal(v.Backup())
	if err != nil {
		t.Fatal(err)
	}
	snap := sb.BackupShared()
	got, err := json.Marshal(snap)
	sb.ReleaseBackup()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("lent snapshot encodes as %s, Backup's as %s", got, want)
	}
	// The loan is a copy: changing the Value after does not change it.
	snap = sb.BackupShared()
	v.Update(func(r *route) { r.Points[0][0] = 9 })
	again, _ := json.Marshal(snap)
	sb.ReleaseBackup()
	if string(again) != string(want) {
		t.Fatalf("lent snapshot changed with the value: %s", again)
	}
	// A second loan after the release works (the first was given back).
	_ = sb.BackupShared()
	sb.ReleaseBackup()
}

func TestSharedBackupAllocatesNothingForPlainStructs(t *testing.T) {
	v := persistence.NewValue(gains{P: 1})
	sb, _ := persistence.SharedBackupOf(v)
	if n := testing.AllocsPerRun(100, func() {
		backupSink = sb.BackupShared()
		sb.ReleaseBackup()
	}); n != 0 {
		t.Fatalf("BackupShared allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { backupSink = v.Backup() }); n == 0 {
		t.Fatal("Backup no longer allocates: the shared path may be needless")
	}
}

func TestSharedBackupRefused(t *testing.T) {
	if _, ok := persistence.SharedBackupOf(ownBackup{persistence.NewValue(gains{})}); ok {
		t.Error("a type embedding a Value, with a Backup of its own, was taken as the Value")
	}
	if _, ok := persistence.SharedBackupOf(persistence.NewValue(ptrMarshal{})); ok {
		t.Error("a Value of a type with a pointer MarshalJSON was taken: behind a pointer it encodes differently")
	}
	if _, ok := persistence.SharedBackupOf(persistence.NewValue(holdsPtrMarshal{})); ok {
		t.Error("a Value holding a field with a pointer MarshalJSON was taken")
	}
	if _, ok := persistence.SharedBackupOf(persistence.NewValue([]ptrMarshal{})); !ok {
		t.Error("a slice's elements are addressable either way: a Value of one may be lent")
	}
}

var backupSink any
