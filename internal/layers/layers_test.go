// Package layers holds the test of the import rules between the
// project's packages (the Layers section of the design): imports only
// point downwards, and the packages a module author uses are leaves.
package layers

import (
	"go/build"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gorosys/rosys"

// The storage engine and the packages below it that a module, a driver
// or the runtime must not pull in.
var engine = []string{
	"persistence/store", "persistence/journal", "persistence/mirror", "persistence/archive",
	"persistence/history", "persistence/backend", "persistence/fleet", "storage",
}

// runtime is the runtime's package (package rosys), the module's root.
const runtime = "."

var rules = []struct {
	pkg    string
	forbid []string // prefixes (module-relative) not allowed in its deps
	allow  []string // when set, the only prefixes allowed
}{
	{pkg: "clock", allow: []string{}},
	{pkg: "hardware", forbid: []string{"persistence", runtime}},
	{pkg: "persistence", forbid: append([]string{runtime, "hardware", "config"}, engine...)},
	{pkg: "config", forbid: []string{"persistence", runtime, "hardware/sim"}},
	{pkg: runtime, forbid: append([]string{"hardware", "config", "robot", "driving", "automation"}, engine...)},
	{pkg: "driving", allow: []string{"clock", "hardware", "persistence", "persistence/internal/", "persistence/vfs"}},
	{pkg: "automation", allow: []string{"clock", "hardware", "persistence", "persistence/internal/", "persistence/vfs"}},
	// The planner plans in poses for the Driver: hardware and driving only.
	{pkg: "pathplanning", allow: []string{"clock", "hardware", "driving", "persistence", "persistence/internal/", "persistence/vfs"}},
	// The planner on a robot: the planner, the Driver and the automator, no
	// runtime, engine or assembly (the robot wires it).
	{pkg: "navigate", allow: []string{"clock", "hardware", "driving", "automation", "pathplanning", "persistence", "persistence/internal/", "persistence/vfs"}},
}

// root is the module's directory: two up from this file.
func root(t *testing.T) string {
	_, file, _, ok := goruntime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// deps returns the module-relative paths of every package of this module
// that pkg imports, directly or not (not its tests').
func deps(t *testing.T, dir, pkg string) []string {
	seen := map[string]bool{}
	var walk func(rel string)
	walk = func(rel string) {
		p, err := build.ImportDir(filepath.Join(dir, filepath.FromSlash(rel)), 0)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		for _, imp := range p.Imports {
			r, ok := strings.CutPrefix(imp, module+"/")
			if imp == module {
				r, ok = runtime, true
			}
			if !ok || seen[r] {
				continue
			}
			seen[r] = true
			walk(r)
		}
	}
	walk(pkg)
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

func under(rel, prefix string) bool {
	if prefix == runtime {
		return rel == runtime
	}
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(rel, prefix)
	}
	return rel == prefix || strings.HasPrefix(rel, prefix+"/")
}

func TestLayers(t *testing.T) {
	dir := root(t)
	for _, r := range rules {
		got := deps(t, dir, r.pkg)
		for _, d := range got {
			for _, f := range r.forbid {
				if under(d, f) && !(f == "persistence" && r.pkg == "persistence") {
					t.Errorf("%s imports %s (through its dependencies: %v), which it must not", r.pkg, d, got)
				}
			}
			if r.allow != nil && !slices.ContainsFunc(r.allow, func(a string) bool {
				return under(d, a) && (a != "persistence" || d == "persistence")
			}) {
				t.Errorf("%s imports %s; it may import only %v", r.pkg, d, r.allow)
			}
		}
	}
}

// The walk finds what is there: the assembly pulls in the engine and the
// runtime, so an empty walk cannot pass the rules above.
func TestLayersWalkSeesTheEngine(t *testing.T) {
	got := deps(t, root(t), "robot")
	for _, want := range []string{"persistence/store", runtime, "storage", "clock", "config", "driving"} {
		if !slices.Contains(got, want) {
			t.Errorf("robot's dependencies %v lack %s", got, want)
		}
	}
}
