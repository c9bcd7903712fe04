package store_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

type floatModel struct {
	Value  persistence.Float   `json:"value"`
	Limits []persistence.Float `json:"limits"`
	Plain  float64             `json:"plain"`
}

func TestFloatKeepsNonFiniteThroughRoSysFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "model.json"), []byte(`{"value": NaN, "limits": [-Infinity, 0.1, Infinity], "plain": 1e-7}`), 0o644)
	s := persistencetest.Open(t, dir, store.WithFormat(store.FormatRoSys))
	v := persistence.NewValue(floatModel{Value: 1})
	s.Register("model", v)
	s.Restore(context.Background())
	got := v.Get()
	if !math.IsNaN(float64(got.Value)) || !math.IsInf(float64(got.Limits[0]), -1) || got.Limits[1] != 0.1 || !math.IsInf(float64(got.Limits[2]), 1) || got.Plain != 1e-7 {
		t.Fatalf("restored %+v (%+v)", got, s.Status()[0])
	}
	// The API shows the strings.
	if b, _ := json.Marshal(got); string(b) != `{"value":"NaN","limits":["-Infinity",0.1,"Infinity"],"plain":1e-7}` {
		t.Fatalf("API JSON %s", b)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "model.json")); string(b) != `{"value":NaN,"limits":[-Infinity,0.1,Infinity],"plain":1e-7}` {
		t.Fatalf("on disk %s", b)
	}
	// A finite Float encodes as a float64 does; junk strings are refused.
	if b, _ := json.Marshal(persistence.Float(1e21)); string(b) != "1e+21" {
		t.Fatalf("%s", b)
	}
	var f persistence.Float
	if err := json.Unmarshal([]byte(`"nan"`), &f); err == nil {
		t.Fatal(`"nan" accepted`)
	}
	// A plain float64 field cannot take NaN: the file is kept aside, not lost.
	dir2 := t.TempDir()
	os.WriteFile(filepath.Join(dir2, "model.json"), []byte(`{"plain": NaN}`), 0o644)
	s2 := persistencetest.Open(t, dir2)
	v2 := persistence.NewValue(floatModel{Plain: 2})
	s2.Register("model", v2)
	s2.Restore(context.Background())
	if st := s2.Status()[0]; st.RestoredFrom != persistence.FromDefaults || len(st.MovedAside) != 1 || v2.Get().Plain != 2 {
		t.Fatalf("%+v", st)
	}
}
