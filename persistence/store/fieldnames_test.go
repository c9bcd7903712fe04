package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

type limits struct {
	LinearSpeedLimit float64 `json:"linear_speed_limit"`
	Note             string  `json:"note,omitempty"`
}

type fpoint struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

type base struct {
	ID string `json:"id"`
}

type area struct {
	base
	Outline []fpoint          `json:"outline"`
	Center  *fpoint           `json:"center,omitempty"`
	Tags    map[string]fpoint `json:"tags,omitempty"`
	Count   int               `json:"count,string,omitempty"`
	Raw     json.RawMessage   `json:"raw,omitempty"`
	Any     map[string]any    `json:"any,omitempty"`
	Speed   float64           // no tag: its JSON name is "Speed"
}

type planner struct {
	Areas map[string]area `json:"areas"`
	List  []area          `json:"list"`
}

type longNamed struct {
	A struct {
		ID string `json:"ID"`
	} `json:"a"`
	B struct {
		ID string `json:"Id"`
	} `json:"b"`
	Long float64 `json:"a_field_name_longer_than_sixty_four_bytes_which_the_fast_scan_still_folds"`
}

// Field names match exactly (issue 21.6): a spelling that differs only in
// letter case is refused wherever data becomes a Go value, strict or not,
// at any depth; exact names, unknown fields (ignored unless strict) and
// the insides of raw or untyped values behave as before.
func TestFieldNamesMatchExactly(t *testing.T) {
	refused := []string{
		`{"linear_speed_limit": 0.3, "LINEAR_SPEED_LIMIT": 9.9}`,
		`{"LINEAR_SPEED_LIMIT": 9.9}`,
		`{"Linear_Speed_Limit": 9.9}`,
		`{"linear_speed_limiT": 9.9, "linear_speed_limit": 0.3}`,
		`{"NOTE": "x"}`,
	}
	for _, body := range refused {
		for _, strict := range []bool{false, true} {
			v := persistence.NewValue(limits{LinearSpeedLimit: 0.5})
			restore := v.Restore
			if strict {
				restore = v.RestoreStrict
			}
			err := restore(json.RawMessage(body))
			if !errors.Is(err, persistence.ErrFieldCase) || !strings.Contains(err.Error(), "linear_speed_limit") && !strings.Contains(err.Error(), "note") {
				t.Errorf("strict=%v %s: err = %v, want ErrFieldCase naming the field", strict, body, err)
			}
			if got := v.Get(); got.LinearSpeedLimit != 0.5 || got.Note != "" {
				t.Errorf("strict=%v %s: value changed to %+v", strict, body, got)
			}
		}
	}
	nested := []string{
		`{"areas": {"a": {"ID": "a"}}}`,                               // promoted from an embedded struct
		`{"areas": {"a": {"outline": [{"x": 1, "Y": 2}]}}}`,           // slice in a map
		`{"areas": {"a": {"center": {"X": 1}}}}`,                      // pointer
		`{"areas": {"a": {"tags": {"t": {"x": 1, "y": 2, "X": 3}}}}}`, // map of structs
		`{"list": [{"id": "a"}, {"Outline": []}]}`,                    // second element
		`{"list": [{"speed": 3}]}`,                                    // untagged field
		`{"list": [{"COUNT": "3"}]}`,                                  // a ,string field
		`{"AREAS": {}}`,
		"{\"list\": [{\"\u212Aey\": 1, \"id\": \"x\"}], \"areas\": {\"k\": {\"\u017Fpeed\": 1}}}", // Kelvin sign, long s: encoding/json folds them too
	}
	for _, body := range []string{
		`{"a": {"Id": "x"}}`, // an exact name elsewhere (b), a case variant here
		`{"b": {"ID": "x"}}`,
		`{"A_FIELD_NAME_LONGER_THAN_SIXTY_FOUR_BYTES_WHICH_THE_FAST_SCAN_STILL_FOLDS": 1}`,
		`{"a": {"\u0069d": "x"}}`, // "id" written with an escape
	} {
		v := persistence.NewValue(longNamed{})
		if err := v.Restore(json.RawMessage(body)); !errors.Is(err, persistence.ErrFieldCase) {
			t.Errorf("%s: err = %v, want ErrFieldCase", body, err)
		}
	}
	if err := persistence.NewValue(longNamed{}).Restore(json.RawMessage(`{"a": {"ID": "x"}, "b": {"Id": "y"}, "c": {"id": 1}}`)); err != nil {
		t.Errorf("exact names in both structs: %v", err)
	}
	for _, body := range nested {
		v := persistence.NewValue(planner{})
		if err := v.Restore(json.RawMessage(body)); !errors.Is(err, persistence.ErrFieldCase) {
			t.Errorf("%s: err = %v, want ErrFieldCase", body, err)
		}
	}
	accepted := []string{
		`{"areas": {"a": {"id": "a", "outline": [{"x": 1, "y": 2}], "center": {"x": 0, "y": 0}, "Speed": 2, "count": "3",
			"tags": {"T": {"x": 1}}, "raw": {"ANY": 1}, "any": {"X": {"Y": 1}}}}, "list": []}`,
		`{"areas": {}, "list": [{"id": "b", "unknown": 1}]}`, // unknown fields: ignored when not strict
		`{"areas": null}`,
	}
	for _, body := range accepted {
		v := persistence.NewValue(planner{})
		if err := v.Restore(json.RawMessage(body)); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
	v := persistence.NewValue(planner{})
	if err := v.RestoreStrict(json.RawMessage(`{"list": [{"id": "b", "unknown": 1}]}`)); err == nil || errors.Is(err, persistence.ErrFieldCase) {
		t.Errorf("strict, unknown field: %v, want the unknown-field error", err)
	}
	// The helpers decode through the same rule.
	m := map[string]fpoint{"keep": {X: 1}}
	if err := persistence.ReplaceMap(m, json.RawMessage(`{"a": {"X": 5}}`), nil); !errors.Is(err, persistence.ErrFieldCase) || m["keep"].X != 1 {
		t.Errorf("ReplaceMap: %v, map %v", err, m)
	}
	s := []fpoint{{X: 1}}
	if err := persistence.ReplaceSlice(&s, json.RawMessage(`[{"x": 1}, {"y": 2, "Y": 3}]`), nil); !errors.Is(err, persistence.ErrFieldCase) || len(s) != 1 {
		t.Errorf("ReplaceSlice: %v, slice %v", err, s)
	}
	set := map[fpoint]struct{}{}
	if err := persistence.ReplaceSet(set, json.RawMessage(`[{"X": 1}]`)); !errors.Is(err, persistence.ErrFieldCase) {
		t.Errorf("ReplaceSet: %v", err)
	}
	if _, err := persistence.FromJSON(json.RawMessage(`{"VALUE": 5}`), struct {
		Value float64 `json:"value"`
	}{}); !errors.Is(err, persistence.ErrFieldCase) {
		t.Errorf("FromJSON: %v", err)
	}
}

// The same rule for stored data: a module file, an imported archive and
// a history version that spell a field in other case are never taken
// for the field. The file is kept aside at start (nothing lost), the
// import and the history restore are refused with nothing changed.
func TestFieldCaseInFilesImportsAndHistory(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "limits.json")
	writeTestFile(t, file, `{"format": "rosys-go/1", "key": "limits", "schema_version": 1, "data": {"linear_speed_limit": 0.3, "LINEAR_SPEED_LIMIT": 9.9}}`)
	s := persistencetest.Open(t, dir, store.WithHistory(history.Config{}))
	v := persistence.NewValue(limits{LinearSpeedLimit: 0.5})
	if err := s.Register("limits", v); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, _ := s.ModuleStatus("limits")
	if v.Get().LinearSpeedLimit != 0.5 || st.RestoredFrom != persistence.FromDefaults || len(st.MovedAside) != 1 || !strings.Contains(st.RestoreError, "LINEAR_SPEED_LIMIT") {
		t.Fatalf("start-up took %+v; status %+v", v.Get(), st)
	}
	if b, err := os.ReadFile(st.MovedAside[0]); err != nil || !strings.Contains(string(b), "9.9") {
		t.Fatalf("moved-aside file: %q %v", b, err)
	}

	v.Set(limits{LinearSpeedLimit: 0.4})
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var err error
	for _, data := range []string{`{"LINEAR_SPEED_LIMIT": 9.9}`, `{"linear_speed_limit": 0.3, "Linear_speed_limit": 9.9}`} {
		env := `{"format": "rosys-go/1", "key": "limits", "schema_version": 1, "data": ` + data + `}`
		_, err = s.Import(context.Background(), &archive.Archive{Files: map[string][]byte{"limits": []byte(env)}})
		if !errors.Is(err, persistence.ErrFieldCase) || v.Get().LinearSpeedLimit != 0.4 {
			t.Fatalf("import %s: %v, value %+v", data, err, v.Get())
		}
	}
	_ = s.Close()

	// A history version holding a case variant: committed while the
	// module was a map (its type changed since), restored into the struct.
	hdir := t.TempDir()
	s1 := persistencetest.Open(t, hdir, store.WithHistory(history.Config{}))
	asMap := persistence.NewValue(map[string]float64{"LINEAR_SPEED_LIMIT": 9.9})
	if err := s1.Register("limits", asMap); err != nil {
		t.Fatal(err)
	}
	if err := s1.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s1.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = s1.Close()
	if err := os.Remove(filepath.Join(hdir, "limits.json")); err != nil {
		t.Fatal(err)
	}
	s2 := persistencetest.Open(t, hdir, store.WithHistory(history.Config{}))
	v2 := persistence.NewValue(limits{LinearSpeedLimit: 0.5})
	if err := s2.Register("limits", v2); err != nil {
		t.Fatal(err)
	}
	if err := s2.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, _, err = s2.RestoreVersion(context.Background(), "limits", history.Selector{Version: 1})
	if !errors.Is(err, persistence.ErrFieldCase) || !errors.Is(err, store.ErrRefused) || v2.Get().LinearSpeedLimit != 0.5 {
		t.Fatalf("restore of a version with a case variant: %v, value %+v", err, v2.Get())
	}
}

// Random spellings: every field name of a nested body gets its letters'
// case flipped at random; the body is accepted exactly when no name
// changed, and then decodes to the values sent, never a misspelt one.
func TestFieldCaseRandomSpellings(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 6))
	names := []string{"areas", "id", "outline", "x", "y", "center", "tags", "Speed", "list"}
	spell := func(name string) string { // one name in twelve misspelt
		b := []byte(name)
		for r.IntN(12) == 0 {
			i := r.IntN(len(b))
			b[i] ^= 'a' - 'A' // every name is letters only: flips the case
		}
		return string(b)
	}
	const tries = 5000
	refused := 0
	for range tries {
		sp := map[string]string{}
		changed := false
		for _, n := range names {
			sp[n] = spell(n)
			changed = changed || sp[n] != n
		}
		body := `{"` + sp["areas"] + `": {"a": {"` + sp["id"] + `": "a", "` + sp["outline"] + `": [{"` + sp["x"] + `": 1, "` + sp["y"] + `": 2}],
			"` + sp["center"] + `": {"` + sp["x"] + `": 3}, "` + sp["tags"] + `": {"t": {"` + sp["y"] + `": 4}}, "` + sp["Speed"] + `": 5}},
			"` + sp["list"] + `": [{"` + sp["id"] + `": "b"}]}`
		v := persistence.NewValue(planner{})
		err := v.Restore(json.RawMessage(body))
		switch {
		case changed && !errors.Is(err, persistence.ErrFieldCase):
			t.Fatalf("seed %d: %s: err = %v, want ErrFieldCase", seed, body, err)
		case !changed && err != nil:
			t.Fatalf("seed %d: %s: %v", seed, body, err)
		case changed:
			refused++
			if !reflect.DeepEqual(v.Get(), planner{}) {
				t.Fatalf("seed %d: refused, yet the value changed to %+v", seed, v.Get())
			}
		default:
			a := v.Get().Areas["a"]
			if a.ID != "a" || a.Outline[0] != (fpoint{1, 2}) || *a.Center != (fpoint{X: 3}) || a.Tags["t"].Y != 4 || a.Speed != 5 || v.Get().List[0].ID != "b" {
				t.Fatalf("seed %d: exact names decoded to %+v", seed, v.Get())
			}
		}
	}
	t.Logf("seed %d: %d random spellings, %d refused, %d exact", seed, tries, refused, tries-refused)
}
