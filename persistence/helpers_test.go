package persistence_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gorosys/rosys/persistence"
)

type point struct {
	X, Y  float64
	Label string
}

func newPoint() point { return point{Label: "unnamed"} }

func TestToFromJSON(t *testing.T) {
	data, err := persistence.ToJSON([]point{{X: 1}})
	if err != nil || string(data) != `[{"X":1.0,"Y":0.0,"Label":""}]` { // floats keep their point
		t.Fatalf("%s %v", data, err)
	}
	p, err := persistence.FromJSON(json.RawMessage(`{"X":2}`), newPoint())
	if err != nil || p != (point{X: 2, Label: "unnamed"}) {
		t.Fatalf("%+v %v", p, err)
	}
}

func TestReplaceMapKeepsIdentity(t *testing.T) {
	points := map[string]point{"old": {}}
	held := points // e.g. the UI holds the same map
	err := persistence.ReplaceMap(points, json.RawMessage(`{"a":{"X":1},"b":{"Y":2,"Label":"b"}}`), newPoint)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]point{"a": {X: 1, Label: "unnamed"}, "b": {Y: 2, Label: "b"}}
	if !reflect.DeepEqual(held, want) {
		t.Fatalf("held map is %v", held)
	}
	if err := persistence.ReplaceMap(points, json.RawMessage(`{"c":{"X":"bad"}}`), newPoint); err == nil {
		t.Fatal("bad item accepted")
	}
	if !reflect.DeepEqual(held, want) {
		t.Fatal("failed ReplaceMap changed the map")
	}
	ids := map[int]string{}
	if err := persistence.ReplaceMap(ids, json.RawMessage(`{"1":"one"}`), nil); err != nil || ids[1] != "one" {
		t.Fatalf("int keys: %v %v", ids, err)
	}
}

func TestReplaceSliceAndSet(t *testing.T) {
	path := []point{{X: 9}}
	held := &path
	if err := persistence.ReplaceSlice(held, json.RawMessage(`[{"X":1},{"X":2}]`), newPoint); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(path, []point{{X: 1, Label: "unnamed"}, {X: 2, Label: "unnamed"}}) {
		t.Fatal(path)
	}
	if err := persistence.ReplaceSlice(held, json.RawMessage(`{}`), newPoint); err == nil || len(path) != 2 {
		t.Fatal("object accepted as list, or list changed")
	}
	set := map[string]struct{}{"x": {}}
	if err := persistence.ReplaceSet(set, json.RawMessage(`["a","b","a"]`)); err != nil || len(set) != 2 {
		t.Fatalf("%v %v", set, err)
	}
	if _, ok := set["x"]; ok {
		t.Fatal("old member kept")
	}
}

func TestReplaceStruct(t *testing.T) {
	p := point{X: 1, Y: 2, Label: "keep"}
	if err := persistence.ReplaceStruct(&p, json.RawMessage(`{"X":5}`)); err != nil || p != (point{X: 5, Y: 2, Label: "keep"}) {
		t.Fatalf("%+v %v", p, err)
	}
	if err := persistence.ReplaceStruct(&p, json.RawMessage(`{"X":6,"Y":"bad"}`)); err == nil || p.X != 5 {
		t.Fatalf("failed decode changed the struct: %+v", p)
	}
}

func TestFromJSONRefusesTrailingData(t *testing.T) {
	for _, in := range []string{`{"X":2} {"X":3}`, `{"X":2} x`, `{"X":2`, ``} {
		if p, err := persistence.FromJSON(json.RawMessage(in), newPoint()); err == nil {
			t.Errorf("FromJSON(%q) = %+v, want an error", in, p)
		}
	}
	p, err := persistence.FromJSON(json.RawMessage(" {\"X\":2}\n "), newPoint())
	if err != nil || p.X != 2 {
		t.Fatalf("surrounding space: %+v %v", p, err)
	}
}
