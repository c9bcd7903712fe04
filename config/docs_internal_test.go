package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// referencePath is the configuration reference that documents robot.yaml.
const referencePath = "../docs/configuration.md"

// configKeys lists every key robot.yaml accepts, as dotted paths the way
// the bounds table writes them: "[]" for a list's items, "*" for the
// names a user chooses (module keys, pin names). Keys are the yaml tags of
// the config structs, walked recursively; History and PinMap decode
// themselves, so their keys are spelt out here from the same lists their
// decoders use.
//
// Keys reached through one struct type at several paths (a Backend as
// persistence.backend, metadata_storage and snapshot_storage) are the
// same keys: same maps each struct type to the paths it sits at.
func configKeys() (keys []string, same map[reflect.Type][]string) {
	same = map[reflect.Type][]string{}
	var visit func(typ reflect.Type, path string)
	visit = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if path != "" {
			keys = append(keys, path)
		}
		if typ.Kind() == reflect.Struct {
			same[typ] = append(same[typ], path)
		}
		switch typ {
		case reflect.TypeFor[History]():
			keys = append(keys, path+".modules", path+".modules.*")
			for _, k := range historyKeys {
				keys = append(keys, path+"."+k, path+".modules.*."+k)
			}
			return
		case reflect.TypeFor[PinMap]():
			keys = append(keys, path+".*")
			return
		}
		switch typ.Kind() {
		case reflect.Slice:
			if typ.Elem().Kind() == reflect.Struct || typ.Elem().Kind() == reflect.Pointer {
				visit(typ.Elem(), path+"[]")
			}
		case reflect.Map:
			visit(typ.Elem(), path+".*")
		case reflect.Struct:
			for f := range typ.Fields() {
				tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				switch {
				case tag == "-":
				case strings.Contains(opts, "inline") || (f.Anonymous && tag == ""):
					visitFields(f.Type, path, visit)
				case tag != "":
					visit(f.Type, join(path, tag))
				}
			}
		}
	}
	visit(reflect.TypeFor[Robot](), "")
	slices.Sort(keys)
	return slices.Compact(keys), same
}

// isDocumented says whether key, or the same key reached through the same
// struct type at another path, is in documented.
func isDocumented(key string, documented map[string]bool, same map[reflect.Type][]string) bool {
	if documented[key] {
		return true
	}
	for _, paths := range same {
		for _, p := range paths {
			if p == "" || !strings.HasPrefix(key, p+".") {
				continue
			}
			for _, q := range paths {
				if documented[q+key[len(p):]] {
					return true
				}
			}
		}
	}
	return false
}

// visitFields visits the fields of an inlined struct at its parent's path.
func visitFields(typ reflect.Type, path string, visit func(reflect.Type, string)) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	for f := range typ.Fields() {
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case tag == "-":
		case strings.Contains(opts, "inline") || (f.Anonymous && tag == ""):
			visitFields(f.Type, path, visit)
		case tag != "":
			visit(f.Type, join(path, tag))
		}
	}
}

// yamlKeys lists the keys a robot.yaml document holds, as configKeys
// writes them.
func yamlKeys(n *yaml.Node, path string, into map[string]bool) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			yamlKeys(c, path, into)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind == yaml.MappingNode {
				into[path+"[]"] = true // a list of scalars is one key's value
			}
			yamlKeys(c, path+"[]", into)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if wildcardParents[path] || path == "persistence.history.modules" {
				key = "*"
			}
			p := join(path, key)
			into[p] = true
			yamlKeys(n.Content[i+1], p, into)
		}
	}
}

// yamlBlocks returns the ```yaml blocks of a Markdown text.
func yamlBlocks(md string) []string {
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(md, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// Issue 24.5: the configuration reference documents every key robot.yaml
// takes, and nothing else. Each YAML example in it is a robot.yaml that
// loads (so every key it shows exists, with a value of the right type),
// and together they show every key of the config structs. Keys named in
// the prose (`persistence.history`, `hardware.lizard.chip`) exist too.
func TestConfigurationReferenceDocumentsEveryKey(t *testing.T) {
	t.Setenv("ROSYS_HTTP", "")
	t.Setenv("ROSYS_HTTP_TOKEN", "")
	raw, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatal(err)
	}
	md := string(raw)
	keys, same := configKeys()
	known := map[string]bool{}
	for _, k := range keys {
		known[k] = true
	}

	documented := map[string]bool{}
	blocks := yamlBlocks(md)
	if len(blocks) < 2 {
		t.Fatalf("%s holds %d YAML examples", referencePath, len(blocks))
	}
	for i, b := range blocks {
		if _, err := Parse([]byte(b)); err != nil {
			t.Errorf("%s: YAML example %d does not load: %v", referencePath, i+1, err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(b), &doc); err != nil {
			t.Errorf("YAML example %d: %v", i+1, err)
			continue
		}
		yamlKeys(&doc, "", documented)
	}
	for k := range documented {
		if !known[k] {
			t.Errorf("%s shows the key %s, which robot.yaml does not take", referencePath, k)
		}
	}
	for _, k := range keys {
		if !isDocumented(k, documented, same) {
			t.Errorf("robot.yaml takes %s, but no YAML example in %s shows it", k, referencePath)
		}
	}

	// Dotted keys in the prose and tables, such as `hardware.lizard.chip`:
	// each is a key, or a key's value written after "key: ".
	prose := regexp.MustCompile("(?s)```.*?```").ReplaceAllString(md, "")
	roots := []string{}
	for k := range known {
		if !strings.ContainsAny(k, ".[") {
			roots = append(roots, k)
		}
	}
	dotted := regexp.MustCompile("`((?:" + strings.Join(roots, "|") + `)(?:\.[a-z_*]+|\[\])+)` + "`")
	found := 0
	for _, m := range dotted.FindAllStringSubmatch(prose, -1) {
		found++
		if !known[m[1]] {
			t.Errorf("%s names `%s`, which robot.yaml does not take", referencePath, m[1])
		}
	}
	if found < 40 {
		t.Errorf("only %d dotted keys found in %s: is the pattern broken?", found, referencePath)
	}
}

// The walk itself: a key added to a struct shows up, inlined and nested
// ones included; a tag "-" does not.
func TestConfigKeysWalk(t *testing.T) {
	keys, same := configKeys()
	for _, want := range []string{
		"name", "log_level", "persistence.backend.s3.path_style", "persistence.journal.max_age",
		"persistence.history.modules.*.max_bytes", "backup_schedule.storage",
		"hardware.lizard.modules[].type", "hardware.lizard.modules[].charge_detect_threshold",
		"hardware.lizard.modules[].lines", "hardware.lizard.modules[].pins.*", "hardware.gnss.reference.lat",
		"automation.start_on_first_run",
	} {
		if !slices.Contains(keys, want) {
			t.Errorf("configKeys lacks %s", want)
		}
	}
	if got := same[reflect.TypeFor[Backend]()]; len(got) != 3 {
		t.Errorf("Backend sits at %v, want backend, metadata_storage and snapshot_storage", got)
	}
	doc := map[string]bool{"persistence.snapshot_storage.s3.bucket": true}
	if !isDocumented("persistence.backend.s3.bucket", doc, same) || isDocumented("persistence.backend.s3.region", doc, same) {
		t.Error("isDocumented does not take a key through the same struct type at another path, or takes another key")
	}
	for _, k := range keys {
		if strings.HasSuffix(k, ".line") || strings.Contains(k, "..") || strings.HasPrefix(k, ".") {
			t.Errorf("configKeys holds %q", k)
		}
	}
}

// Every YAML example in the README and docs/ whose keys are robot.yaml's
// (not, say, a Prometheus scrape config) loads: a snippet of robot.yaml
// in a guide is a robot.yaml.
func TestDocsRobotYAMLExamplesLoad(t *testing.T) {
	t.Setenv("ROSYS_HTTP", "")
	t.Setenv("ROSYS_HTTP_TOKEN", "")
	keys, _ := configKeys()
	roots := map[string]bool{}
	for _, k := range keys {
		if !strings.ContainsAny(k, ".[") {
			roots[k] = true
		}
	}
	pages, _ := filepath.Glob("../docs/*.md")
	pages = append(pages, "../README.md")
	n := 0
	for _, page := range pages {
		raw, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range yamlBlocks(string(raw)) {
			var top map[string]any
			if err := yaml.Unmarshal([]byte(b), &top); err != nil {
				t.Errorf("%s: a YAML example does not parse: %v\n%s", page, err, b)
				continue
			}
			robot := false
			for k := range top {
				robot = robot || roots[k]
			}
			if !robot {
				continue
			}
			n++
			if _, err := Parse([]byte(b)); err != nil {
				t.Errorf("%s: a robot.yaml example does not load: %v\n%s", page, err, b)
			}
		}
	}
	if n < 7 {
		t.Errorf("only %d robot.yaml examples found in the README and docs/", n)
	}
}
