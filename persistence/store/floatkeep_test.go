package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

type waypoint struct {
	X float64 `json:"x"`
	Y float32 `json:"y"`
}

type typedModel struct {
	Value  persistence.Float   `json:"value"`
	Count  int                 `json:"count"`
	Points []waypoint          `json:"points"`
	ByName map[string]*float64 `json:"by_name"`
	Zero   float64             `json:"zero,omitempty"`
	Big    float64             `json:"big"`
	Label  string              `json:"label"`
}

// jsonKinds lists each number of a JSON document as "path=int" or
// "path=float", as Python's json would type it.
func jsonKinds(t *testing.T, b []byte) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	var out []string
	var walk func(string, any)
	walk = func(p string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(p+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(p+"["+string(rune('0'+i))+"]", e)
			}
		case json.Number:
			kind := "int"
			if strings.ContainsAny(string(x), ".eE") {
				kind = "float"
			}
			out = append(out, p+"="+kind)
		}
	}
	walk("", v)
	slicesSort(out)
	return strings.Join(out, " ")
}

func slicesSort(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

// A RoSys file nobody changes, and one changed on our side, keep Python's
// types: a float RoSys wrote stays a float (7.0, not 7), an int an int.
func TestRoSysFilesKeepFloatsAndInts(t *testing.T) {
	for _, format := range []store.FileFormat{store.FormatRoSys, store.FormatRoSysGo} {
		t.Run(string(format), func(t *testing.T) {
			dir := t.TempDir()
			rosys := `{"value": 7.0, "count": 3, "points": [{"x": 1.0, "y": 2.0}, {"x": -0.5, "y": 3.0}], "by_name": {"a": 4.0}, "big": 1e20, "label": "7"}`
			if err := os.WriteFile(filepath.Join(dir, "model.json"), []byte(rosys), 0o644); err != nil {
				t.Fatal(err)
			}
			s := persistencetest.Open(t, dir, store.WithFormat(format))
			v := persistence.NewValue(typedModel{})
			s.Register("model", v)
			s.Restore(context.Background())
			v.Update(func(m *typedModel) { m.Label = "touched" }) // nothing numeric changed
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			want := jsonKinds(t, []byte(rosys))
			if got := jsonKinds(t, dataOf(t, dir, "model", format)); got != want {
				t.Fatalf("unchanged file:\n got %s\nwant %s", got, want)
			}
			// Changed on our side: whole values stay floats.
			v.Update(func(m *typedModel) { m.Value, m.Points[0].X, m.Count = 8, 12, 4 })
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			b := dataOf(t, dir, "model", format)
			if got := jsonKinds(t, b); got != want {
				t.Fatalf("changed file:\n got %s\nwant %s\n%s", got, want, b)
			}
			if !strings.Contains(string(b), "8.0") || !strings.Contains(string(b), "12.0") {
				t.Fatalf("%s", b)
			}
		})
	}
}

// dataOf is the module's data object as stored.
func dataOf(t *testing.T, dir, key string, format store.FileFormat) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, key+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if format == store.FormatRoSys {
		return b
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	return env.Data
}

func TestToJSONKeepsFloats(t *testing.T) {
	b, err := persistence.ToJSON(struct {
		F float64 `json:"f"`
		I int     `json:"i"`
		A any     `json:"a"`
	}{F: 2, I: 2, A: 2.0})
	// A value in an interface has no known type: encoding/json's spelling.
	if err != nil || string(b) != `{"f":2.0,"i":2,"a":2}` {
		t.Fatalf("%s %v", b, err)
	}
}

type looseModel struct {
	Gain   float64        `json:"gain"`   // RoSys wrote an int here
	Extra  map[string]any `json:"extra"`  // no Go type to go by
	Points []any          `json:"points"` // nor here
}

// The spelling of the file RoSys wrote decides where the Go type cannot:
// an int RoSys wrote into what Go holds as a float64 stays an int, and a
// float in an interface value stays a float, changed or not.
func TestRoSysSpellingWinsOverGoTypes(t *testing.T) {
	for _, format := range []store.FileFormat{store.FormatRoSys, store.FormatRoSysGo} {
		t.Run(string(format), func(t *testing.T) {
			dir := t.TempDir()
			rosys := `{"gain": 2, "extra": {"speed": 1.0, "count": 5, "nested": [3.0, 4]}, "points": [{"x": 1.0, "y": 0}]}`
			if err := os.WriteFile(filepath.Join(dir, "loose.json"), []byte(rosys), 0o644); err != nil {
				t.Fatal(err)
			}
			s := persistencetest.Open(t, dir, store.WithFormat(format))
			v := persistence.NewValue(looseModel{})
			if err := s.Register("loose", v); err != nil {
				t.Fatal(err)
			}
			s.Restore(context.Background())
			want := jsonKinds(t, []byte(rosys))
			v.Update(func(m *looseModel) { m.Gain, m.Extra["speed"] = 3, 2.0 }) // changed, still integral
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			b := dataOf(t, dir, "loose", format)
			if got := jsonKinds(t, b); got != want {
				t.Fatalf("\n got %s\nwant %s\n%s", got, want, b)
			}
			// A RoSys float that now holds a fraction is written as it is.
			v.Update(func(m *looseModel) { m.Gain = 2.5 })
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if b := dataOf(t, dir, "loose", format); !strings.Contains(string(b), "2.5") {
				t.Fatalf("%s", b)
			}
		})
	}
}

type rosysPoint struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Waypoints RoSys wrote with a float and an int in each, then a point
// inserted in front of them on our side (as RoSys's own Persistable
// showed: they came back with their kinds swapped) and, after a restart,
// the first removed: the points RoSys wrote keep their spelling, the new
// one is float64's.
func TestRoSysPointsThatMovedKeepTheirKinds(t *testing.T) {
	for _, format := range []store.FileFormat{store.FormatRoSys, store.FormatRoSysGo} {
		t.Run(string(format), func(t *testing.T) {
			dir := t.TempDir()
			rosys := `{"points": [{"x": 1.0, "y": 2}, {"x": 3, "y": 4.0}]}`
			if err := os.WriteFile(filepath.Join(dir, "waypoints.json"), []byte(rosys), 0o644); err != nil {
				t.Fatal(err)
			}
			type points struct {
				Points []rosysPoint `json:"points"`
			}
			s := persistencetest.Open(t, dir, store.WithFormat(format))
			v := persistence.NewValue(points{})
			s.Register("waypoints", v)
			s.Restore(context.Background())
			v.Update(func(p *points) { p.Points = append([]rosysPoint{{9, 9}}, p.Points...) })
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if b := compact(t, dataOf(t, dir, "waypoints", format)); b != `{"points":[{"x":9.0,"y":9.0},{"x":1.0,"y":2},{"x":3,"y":4.0}]}` {
				t.Fatalf("inserted in front: %s", b)
			}
			s.Close()
			s = persistencetest.Open(t, dir, store.WithFormat(format))
			v = persistence.NewValue(points{})
			s.Register("waypoints", v)
			s.Restore(context.Background())
			v.Update(func(p *points) { p.Points = p.Points[2:] })
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if b := compact(t, dataOf(t, dir, "waypoints", format)); b != `{"points":[{"x":3,"y":4.0}]}` {
				t.Fatalf("two removed after a restart: %s", b)
			}
		})
	}
}

// compact is b without its indentation (numbers as spelled).
func compact(t *testing.T, b []byte) string {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
