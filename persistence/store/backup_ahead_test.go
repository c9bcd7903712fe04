package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

// bigState is a module whose file is above the size from which the store
// encodes it ahead of its writers.
type bigState struct {
	Gen int    `json:"gen"`
	Pad string `json:"pad"`
	Any any    `json:"any,omitempty"`
}

// From the second cycle on, large modules are encoded by a stage of their
// own and handed to the writers, small ones by the writers themselves;
// every file must still hold its module's state, the replaced one must be
// kept as .prev, and a large module that cannot be encoded fails alone.
func TestBackupEncodesLargeModulesAhead(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := persistencetest.Open(t, dir, store.WithWriters(2))
	pad := strings.Repeat("p", 300<<10)
	big := map[string]*persistence.Value[bigState]{}
	small := map[string]*persistence.Value[bigState]{}
	for i := range 5 {
		k := fmt.Sprintf("big%d", i)
		big[k] = persistence.NewValue(bigState{Pad: pad})
		if err := s.Register(k, big[k]); err != nil {
			t.Fatal(err)
		}
		k = fmt.Sprintf("small%d", i)
		small[k] = persistence.NewValue(bigState{Pad: "s"})
		if err := s.Register(k, small[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	read := func(name string) bigState {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var env struct{ Data bigState }
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return env.Data
	}
	for gen := 1; gen <= 3; gen++ {
		for _, v := range big {
			v.Update(func(b *bigState) { b.Gen = gen })
		}
		for _, v := range small {
			v.Update(func(b *bigState) { b.Gen = gen })
		}
		if gen == 3 {
			big["big2"].Update(func(b *bigState) { b.Any = make(chan int) }) // JSON cannot encode it
		}
		err := s.BackupRequested(ctx)
		if gen < 3 && err != nil {
			t.Fatalf("cycle %d: %v", gen, err)
		}
		if gen == 3 && (err == nil || !strings.Contains(err.Error(), `module "big2"`) || strings.Count(err.Error(), "module ") != 1) {
			t.Fatalf("cycle 3: want one error naming big2, got %v", err)
		}
		for k := range big {
			want := gen
			if gen == 3 && k == "big2" {
				want = 2
			}
			if got := read(k + ".json"); got.Gen != want || got.Pad != pad {
				t.Fatalf("cycle %d: %s.json holds gen %d (pad %d bytes), want gen %d", gen, k, got.Gen, len(got.Pad), want)
			}
			if gen > 1 && !(gen == 3 && k == "big2") {
				if got := read(k + ".json.prev"); got.Gen != gen-1 {
					t.Fatalf("cycle %d: %s.json.prev holds gen %d, want %d", gen, k, got.Gen, gen-1)
				}
			}
		}
		for k := range small {
			if got := read(k + ".json"); got.Gen != gen || got.Pad != "s" {
				t.Fatalf("cycle %d: %s.json holds %+v", gen, k, got)
			}
		}
	}
	if st, _ := s.ModuleStatus("big2"); !strings.Contains(st.LastError, "encode") || st.Saves != 2 {
		t.Fatalf("big2 status after a failed encoding: %+v", st)
	}
	if st, _ := s.ModuleStatus("big0"); st.Size < 300<<10 || st.Saves != 3 {
		t.Fatalf("big0 status: %+v", st)
	}
}
