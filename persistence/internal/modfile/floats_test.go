package modfile

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestNumberPaths(t *testing.T) {
	doc := `{"a": [1, 2.5, {"b\u00e9\"": -3e2}], "c": {"d": 0, "e": "7", "f": true, "g": null}, "h": []}`
	got, err := numberPaths([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ path, lit string }{
		{"\x00ka\x00i0", "1"}, {"\x00ka\x00i1", "2.5"}, {"\x00ka\x00i2\x00kbé\"", "-3e2"}, {"\x00kc\x00kd", "0"},
	}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i, w := range want {
		if got[i].path != w.path || got[i].lit != w.lit || doc[got[i].end-len(w.lit):got[i].end] != w.lit {
			t.Errorf("%d: %+v, want %+v", i, got[i], w)
		}
	}
}

type kf struct {
	F  float64          `json:"f"`
	G  float32          `json:"g"`
	I  int              `json:"i"`
	M  map[string]kfIn  `json:"m"`
	S  []*float64       `json:"s"`
	A  any              `json:"a"`
	O  float64          `json:"o,omitempty"`
	Ar [2]float64       `json:"ar"`
	Mi map[string]int64 `json:"mi"`
}

type kfIn struct{ X float64 }

func TestKeepFloatsByGoType(t *testing.T) {
	one := 1.0
	v := kf{F: 2, G: 3, I: 4, M: map[string]kfIn{"<k>": {X: 5}}, S: []*float64{&one, nil}, A: 6.0, Ar: [2]float64{7, 7.5}, Mi: map[string]int64{"z": 8}}
	enc, _ := json.Marshal(v)
	got := string(KeepFloats(v, enc, true, nil))
	want := `{"f":2.0,"g":3.0,"i":4,"m":{"\u003ck\u003e":{"X":5.0}},"s":[1.0,null],"a":6,"ar":[7.0,7.5],"mi":{"z":8}}`
	if got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	// Recorded spellings win: an int stays an int, a float in an
	// interface stays a float.
	kinds := ReadNumberKinds([]byte(`{"f": 2, "a": 6.0, "i": 4.0, "ar": [7, 1e3]}`))
	got = string(KeepFloats(v, enc, true, kinds))
	want = `{"f":2,"g":3.0,"i":4.0,"m":{"\u003ck\u003e":{"X":5.0}},"s":[1.0,null],"a":6.0,"ar":[7,7.5],"mi":{"z":8}}`
	if got != want {
		t.Fatalf("with kinds\n got %s\nwant %s", got, want)
	}
}

// numberPaths agrees with json.Decoder's tokens on random documents.
func TestNumberPathsAgreesWithDecoder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var gen func(depth int) any
	gen = func(depth int) any {
		switch n := r.IntN(7); {
		case n == 0 && depth < 4:
			m := map[string]any{}
			for i := range r.IntN(4) {
				m[[]string{"a", "b\"", "c\\\\", "é", "<x>"}[i]] = gen(depth + 1)
			}
			return m
		case n == 1 && depth < 4:
			var s []any
			for range r.IntN(4) {
				s = append(s, gen(depth+1))
			}
			return s
		case n == 2:
			return "s,t]r}"
		case n == 3:
			return r.IntN(2) == 0
		case n == 4:
			return nil
		}
		return float64(r.IntN(2000)-1000) / []float64{1, 4, 1e-3}[r.IntN(3)]
	}
	for range 300 {
		b, _ := json.Marshal(gen(0))
		got, err := numberPaths(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		var lits []string
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		for {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			if n, ok := tok.(json.Number); ok {
				lits = append(lits, string(n))
			}
		}
		if len(lits) != len(got) {
			t.Fatalf("%s: %d numbers, decoder %d", b, len(got), len(lits))
		}
		for i := range lits {
			if got[i].lit != lits[i] || string(b[got[i].end-len(lits[i]):got[i].end]) != lits[i] {
				t.Fatalf("%s: number %d %q, decoder %q", b, i, got[i].lit, lits[i])
			}
		}
	}
}

type shiftPoint struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

type shiftModel struct {
	Points []shiftPoint `json:"points"`
	Any    []any        `json:"any"`
}

// An element that only moved keeps the spelling it was stored with (a
// point inserted in front of RoSys's points, found against RoSys's own
// Persistable): in arrays, a value not stored at its index is looked up
// by value among the elements; a new value keeps its index's spelling if
// the arrays kept their lengths (changed in place), else it goes by its
// Go type.
func TestKeepFloatsFollowsMovedElements(t *testing.T) {
	kinds := ReadNumberKinds([]byte(`{"points": [{"x": 1.0, "y": 2}, {"x": 3, "y": 4.0}], "any": [1.0, 2, 3.0], "twice": [1.0, 1]}`))
	for _, tc := range []struct {
		name string
		v    shiftModel
		want string
	}{
		{"inserted in front", shiftModel{Points: []shiftPoint{{9, 9}, {1, 2}, {3, 4}}, Any: []any{5.0, 1.0, 2.0, 3.0}},
			`{"points":[{"x":9.0,"y":9.0},{"x":1.0,"y":2},{"x":3,"y":4.0}],"any":[5,1.0,2,3.0]}`},
		{"first removed", shiftModel{Points: []shiftPoint{{3, 4}}, Any: []any{2.0, 3.0}},
			`{"points":[{"x":3,"y":4.0}],"any":[2,3.0]}`},
		{"changed in place", shiftModel{Points: []shiftPoint{{1, 5}, {7, 4}}, Any: []any{1.0, 6.0, 3.0}},
			`{"points":[{"x":1.0,"y":5},{"x":7,"y":4.0}],"any":[1.0,6,3.0]}`},
		{"reordered", shiftModel{Points: []shiftPoint{{3, 4}, {1, 2}}, Any: []any{3.0, 2.0, 1.0}},
			`{"points":[{"x":3,"y":4.0},{"x":1.0,"y":2}],"any":[3.0,2,1.0]}`},
	} {
		enc, _ := json.Marshal(tc.v)
		if got := string(KeepFloats(tc.v, enc, true, kinds)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	// A value the array spelled both ways is left to the Go type.
	v := struct {
		Twice []any `json:"twice"`
	}{[]any{0.0, 1.0, 1.0}}
	enc, _ := json.Marshal(v)
	if got := string(KeepFloats(v, enc, true, kinds)); got != `{"twice":[0,1,1]}` {
		t.Errorf("ambiguous: %s", got)
	}
}
