package rosys

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func names(mods []*module) string {
	var s []string
	for _, m := range mods {
		s = append(s, m.name)
	}
	return strings.Join(s, " ")
}

// TestStartOrderKeepsRegistrationOrder: a module waits for its dependency
// and then comes before every later-registered ready module.
func TestStartOrderKeepsRegistrationOrder(t *testing.T) {
	mods := []*module{{name: "a"}, {name: "b", deps: []string{"d"}}, {name: "c"}, {name: "d"}, {name: "e"}}
	got, err := startOrder(mods)
	if err != nil {
		t.Fatal(err)
	}
	if names(got) != "a c d b e" {
		t.Fatalf("order %q, want %q", names(got), "a c d b e")
	}
	mods = append(mods, &module{name: "f", deps: []string{"g"}}, &module{name: "g", deps: []string{"f"}})
	if _, err := startOrder(mods); err == nil || !strings.Contains(err.Error(), "cycle among modules f, g") {
		t.Fatalf("startOrder with a cycle = %v", err)
	}
}

// TestStartOrderManyModules: 10 000 modules, each depending on the one
// registered after it, start in reverse order.
func TestStartOrderManyModules(t *testing.T) {
	const n = 10000
	mods := make([]*module, n)
	for i := range mods {
		mods[i] = &module{name: fmt.Sprint(i)}
		if i+1 < n {
			mods[i].deps = []string{fmt.Sprint(i + 1)}
		}
	}
	got, err := startOrder(mods)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range got {
		if m.name != fmt.Sprint(n-1-i) {
			t.Fatalf("position %d is %s, want %d", i, m.name, n-1-i)
		}
	}
}

func TestAddRefusesADuplicateName(t *testing.T) {
	r := New(Config{Name: "t"})
	if err := r.Add("m", &nopStepper{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Add("m", &nopStepper{}); err == nil || !strings.Contains(err.Error(), "already added") {
		t.Fatalf("second Add = %v, want a refusal", err)
	}
}

type nopStepper struct{}

func (nopStepper) Step(time.Time, time.Duration) {}
