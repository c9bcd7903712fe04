package storage_test

import (
	"reflect"
	"testing"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/storage"
)

// StatusInto with a kept Status reports what StatusOf reports and, once
// its list has room, allocates nothing (issue 28: the API's status and a
// scrape poll it).
func TestStatusIntoReusesItsRoom(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	for _, key := range []string{"a", "b", "c"} {
		if err := r.Add(key, persistence.NewValue(map[string]int{key: 1}), rosys.Persist()); err != nil {
			t.Fatal(err)
		}
	}
	r.Start()
	if err := r.Store().RequestBackup("b"); err != nil {
		t.Fatal(err)
	}
	var st storage.Status
	storage.StatusInto(r.Runtime, &st)
	if got := testing.AllocsPerRun(100, func() { storage.StatusInto(r.Runtime, &st) }); got != 0 {
		t.Errorf("StatusInto allocates %v times a call", got)
	}
	want := storage.StatusOf(r.Runtime)
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("StatusInto %+v\nStatusOf %+v", st, want)
	}
	if len(st.Persistence) != 3 || st.Persistence[1].Key != "b" || !st.Persistence[1].Pending || st.Backup.PendingCount != 1 {
		t.Fatalf("status %+v", st)
	}
	// No modules: an empty list, not null, as StatusOf gives.
	var empty storage.Status
	storage.StatusInto(rosystest.New(t, rosys.Config{}).Runtime, &empty)
	if empty.Persistence == nil || len(empty.Persistence) != 0 {
		t.Fatalf("no modules: %#v", empty.Persistence)
	}
}
