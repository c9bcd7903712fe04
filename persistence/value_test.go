package persistence_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gorosys/rosys/persistence"
)

type gains struct {
	P, I, D float64
}

type route struct {
	Name   string
	Points [][2]float64
	Tags   map[string]string
	Next   *route
}

func TestValueGetSetUpdate(t *testing.T) {
	v := persistence.NewValue(gains{P: 1})
	if v.Get() != (gains{P: 1}) {
		t.Fatal(v.Get())
	}
	v.Set(gains{P: 2, I: 0.1})
	v.Update(func(g *gains) { g.D = 0.01 })
	if v.Get() != (gains{P: 2, I: 0.1, D: 0.01}) {
		t.Fatal(v.Get())
	}
}

func TestValueGetOfPlainStructDoesNotAllocate(t *testing.T) {
	v := persistence.NewValue(gains{P: 1})
	var sink gains
	if n := testing.AllocsPerRun(100, func() { sink = v.Get() }); n != 0 {
		t.Fatalf("Get allocates %v times per call", n)
	}
	if n := testing.AllocsPerRun(100, func() { v.Update(func(g *gains) { g.P++ }) }); n != 0 {
		t.Fatalf("Update allocates %v times per call", n)
	}
	_ = sink
}

func TestValueCopiesShareNothing(t *testing.T) {
	def := route{Name: "r", Points: [][2]float64{{0, 0}}, Tags: map[string]string{"a": "1"}, Next: &route{Name: "n"}}
	v := persistence.NewValue(def)
	def.Points[0][0] = 99 // the caller's defaults are copied, not kept
	def.Tags["a"] = "changed"
	snap := v.Backup().(route)
	v.Update(func(r *route) {
		r.Points[0][0] = 5
		r.Tags["a"] = "2"
		r.Next.Name = "m"
	})
	want := route{Name: "r", Points: [][2]float64{{0, 0}}, Tags: map[string]string{"a": "1"}, Next: &route{Name: "n"}}
	if !reflect.DeepEqual(snap, want) {
		t.Fatalf("snapshot changed after Update: %+v", snap)
	}
	got := v.Get()
	got.Tags["a"] = "via Get"
	if v.Get().Tags["a"] != "2" {
		t.Fatal("Get returned shared memory")
	}
}

func TestValueRestoreKeepsDefaultsForMissingFields(t *testing.T) {
	v := persistence.NewValue(route{Name: "default", Tags: map[string]string{"k": "v"}})
	v.Set(route{Name: "live"})
	if err := v.Restore(json.RawMessage(`{"Points":[[1,2]]}`)); err != nil {
		t.Fatal(err)
	}
	got := v.Get()
	if got.Name != "default" || got.Tags["k"] != "v" || got.Points[0] != [2]float64{1, 2} {
		t.Fatalf("restored %+v", got)
	}
	if err := v.Restore(json.RawMessage(`{"Name":7}`)); err == nil {
		t.Fatal("wrong type accepted")
	}
	if v.Get().Name != "default" {
		t.Fatal("failed Restore changed the value")
	}
}

func TestValueOnChangeAndTracker(t *testing.T) {
	v := persistence.NewValue(1)
	var seen []int
	v.OnChange(func(x int) { seen = append(seen, x) })
	v.Set(2)
	v.Update(func(x *int) { *x = 3 })
	_ = v.Restore(json.RawMessage(`4`))
	if !reflect.DeepEqual(seen, []int{2, 3, 4}) {
		t.Fatalf("OnChange saw %v", seen)
	}
}

func TestValueConcurrentUse(t *testing.T) {
	v := persistence.NewValue(route{Tags: map[string]string{}})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 200 {
				v.Update(func(r *route) { r.Tags[string(rune('a'+i))] = string(rune('0' + j%10)) })
				_, _ = json.Marshal(v.Backup())
			}
		})
	}
	wg.Wait()
	if len(v.Get().Tags) != 4 {
		t.Fatal(v.Get())
	}
}

func TestValueValidateRefusesRestoredData(t *testing.T) {
	type speeds struct{ Max, Min float64 }
	calls := 0
	v := persistence.NewValue(speeds{Max: 1, Min: 0},
		persistence.Validate(func(s speeds) error {
			calls++
			if s.Max <= 0 || s.Max > 5 {
				return fmt.Errorf("max %v out of range (0, 5]", s.Max)
			}
			return nil
		}),
		persistence.Validate(func(s speeds) error {
			if s.Min > s.Max {
				return errors.New("min above max")
			}
			return nil
		}),
		persistence.WithSchema[speeds](1, nil))
	changes := 0
	v.OnChange(func(speeds) { changes++ })
	for _, tc := range []struct {
		data, want string
	}{
		{`{"Max": -1}`, "max -1 out of range"},
		{`{"Max": 1e308}`, "max 1e+308 out of range"},
		{`{"Max": 2, "Min": 3}`, "min above max"},
	} {
		for name, restore := range map[string]func(json.RawMessage) error{"Restore": v.Restore, "RestoreStrict": v.RestoreStrict} {
			err := restore(json.RawMessage(tc.data))
			if !errors.Is(err, persistence.ErrInvalidValue) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s(%s) = %v, want %q", name, tc.data, err, tc.want)
			}
		}
	}
	if got := v.Get(); got != (speeds{Max: 1}) || changes != 0 {
		t.Fatalf("refused data changed the value: %+v, %d changes", got, changes)
	}
	if err := v.Restore(json.RawMessage(`{"Max": 4}`)); err != nil || v.Get().Max != 4 || changes != 1 {
		t.Fatalf("valid data: %v %+v", err, v.Get())
	}
	// Set is the program's own change and is not checked.
	before := calls
	v.Set(speeds{Max: 100})
	if calls != before || v.Get().Max != 100 {
		t.Fatalf("Set was validated")
	}
}
