package config_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gorosys/rosys/config"
)

// instance is one way the README and docs offer to run a robot, with what it
// takes for itself: a listen address, a data directory, serial devices.
type instance struct {
	name, http, data string
	ports            []string
	sameRobotAs      string // make demo-serial runs an example's robot.yaml
}

// Issue 22.5: every example runs beside the others and beside make run
// (gnss-robot.yaml and make demo-serial used to share a port and a pty),
// loads, and is linked from the README or a page of docs/.
func TestExamplesRunSideBySide(t *testing.T) {
	t.Setenv("ROSYS_HTTP", "")
	t.Setenv("ROSYS_HTTP_TOKEN", "")
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	docs := linkedFromDocs(t)
	instances := []instance{{name: "make run", http: config.DefaultHTTP, data: "~/.rosys"}}
	paths, _ := filepath.Glob("../examples/*.yaml")
	if len(paths) < 3 {
		t.Fatalf("examples: %v", paths)
	}
	for _, p := range paths {
		rel := "examples/" + filepath.Base(p)
		if !docs["../"+rel] {
			t.Errorf("neither README.md nor docs/ links %s", rel)
		}
		r, err := config.Load(p)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		instances = append(instances, instanceOf(rel, r))
	}

	// make demo-serial: its variables' defaults, with the robot.yaml it runs.
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(\w+)\s*\?=\s*(\S*)\s*$`).FindAllStringSubmatch(string(makefile), -1) {
		vars[m[1]] = m[2]
	}
	demoConfig := vars["DEMO_CONFIG"]
	if vars["DEMO_HTTP"] == "" || vars["DEMO_DATA"] == "" || vars["LIZARD_LINK"] == "" || demoConfig == "" {
		t.Fatalf("Makefile: demo-serial's variables not found: %v", vars)
	}
	r, err := config.Load("../" + demoConfig)
	if err != nil {
		t.Fatal(err)
	}
	serial := instanceOf("make demo-serial", r)
	serial.http, serial.data, serial.sameRobotAs = vars["DEMO_HTTP"], vars["DEMO_DATA"], demoConfig
	if len(serial.ports) == 0 {
		t.Fatalf("%s names no Lizard port for make demo-serial to replace", demoConfig)
	}
	serial.ports[0] = vars["LIZARD_LINK"] // sed replaces the example's port with LIZARD_LINK
	// And its data directory with DEMO_DATA: with --data-dir beside another
	// backend path, that path would become a mirror of the data.
	if b := r.Persistence.Backend; b != nil && b.Filesystem != nil {
		if sed := "s#{path: " + b.Filesystem.Path + "}#{path: $(DEMO_DATA)}#"; !strings.Contains(string(makefile), sed) {
			t.Errorf("Makefile: demo-serial does not replace %s's data directory (want %q)", demoConfig, sed)
		}
		if raw, _ := os.ReadFile("../" + demoConfig); !strings.Contains(string(raw), "{path: "+b.Filesystem.Path+"}") {
			t.Errorf("%s: write the backend as filesystem: {path: %s}, which demo-serial's sed replaces", demoConfig, b.Filesystem.Path)
		}
	}
	instances = append(instances, serial)
	if !strings.Contains(string(readme), "make demo-serial") {
		t.Error("README.md does not mention make demo-serial")
	}

	for i, a := range instances {
		for _, b := range instances[i+1:] {
			if a.sameRobotAs == b.name || b.sameRobotAs == a.name {
				continue
			}
			if a.http == b.http && a.http != "off" {
				t.Errorf("%s and %s both listen on %s", a.name, b.name, a.http)
			}
			if a.data == b.data {
				t.Errorf("%s and %s share the data directory %s", a.name, b.name, a.data)
			}
			for _, pa := range a.ports {
				for _, pb := range b.ports {
					if pa == pb {
						t.Errorf("%s and %s both use %s", a.name, b.name, pa)
					}
				}
			}
		}
	}
}

// linkedFromDocs returns the files README.md and docs/*.md link to, as
// paths relative to this package ("../examples/demo.yaml").
func linkedFromDocs(t *testing.T) map[string]bool {
	t.Helper()
	pages, _ := filepath.Glob("../docs/*.md")
	pages = append(pages, "../README.md")
	linked := map[string]bool{}
	link := regexp.MustCompile(`\]\(([^)#\s]+)`)
	for _, page := range pages {
		raw, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(raw), -1) {
			linked[filepath.Join(filepath.Dir(page), m[1])] = true
		}
	}
	return linked
}

func instanceOf(name string, r *config.Robot) instance {
	in := instance{name: name, http: r.HTTP, data: "~/.rosys"}
	if b := r.Persistence.Backend; b != nil && b.Filesystem != nil {
		in.data = b.Filesystem.Path
	}
	if l := r.Hardware.Lizard; l != nil {
		port := l.Port
		if port == "" {
			port = "the board's serial port"
		}
		in.ports = append(in.ports, port)
	}
	if g := r.Hardware.GNSS; g != nil && g.Port != "" {
		in.ports = append(in.ports, g.Port)
	}
	return in
}
