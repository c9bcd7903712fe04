package config

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// wildcardParents are mappings whose keys are names the user chooses
// (module keys, pin names): their children match "*" in the bounds table.
var wildcardParents = map[string]bool{
	"persistence.history.modules":    true,
	"hardware.lizard.modules[].pins": true,
}

// maxNodes bounds the walk: aliases can make a small document a large
// tree, and robot.yaml is never more than a few hundred nodes.
const maxNodes = 100000

// walker visits every key of a robot.yaml document, checking bounded keys
// against the table and noting each key's line for errors raised later.
type walker struct {
	errs   []error
	nodes  int
	lines  map[string]int // dotted path (with list indexes) → line of the key
	active map[*yaml.Node]bool
}

// checkDocument checks every bounded key of doc; lines gets each key's
// line for the checks of key combinations.
func checkDocument(doc *yaml.Node) (map[string]int, error) {
	w := &walker{lines: map[string]int{}, active: map[*yaml.Node]bool{}}
	w.walk(doc, "", "")
	return w.lines, errors.Join(w.errs...)
}

// walk visits n at path (as written, with list indexes) and pattern (as
// the bounds table writes it, [] and *).
func (w *walker) walk(n *yaml.Node, path, pattern string) {
	if n == nil {
		return
	}
	if w.nodes++; w.nodes > maxNodes {
		if w.nodes == maxNodes+1 {
			w.errs = append(w.errs, fmt.Errorf("config: more than %d nodes (aliases expanding?)", maxNodes))
		}
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			w.walk(c, path, pattern)
		}
	case yaml.AliasNode:
		// An alias inside its own anchor ("&a [*a]") would recurse
		// forever; yaml.v3's typed decode refuses it anyway.
		if w.active[n.Alias] {
			w.errs = append(w.errs, fmt.Errorf("line %d: %s: an alias refers to a node that holds it", n.Line, path))
			return
		}
		w.active[n.Alias] = true
		w.walk(n.Alias, path, pattern)
		delete(w.active, n.Alias)
	case yaml.SequenceNode:
		for i, c := range n.Content {
			w.walk(c, fmt.Sprintf("%s[%d]", path, i), pattern+"[]")
		}
	case yaml.MappingNode:
		// A key twice in one mapping is refused here, at every depth:
		// yaml.v3 catches it only where it decodes into a struct, and a
		// mapping read by hand (persistence.history) let the last win.
		// Keys merged in ("<<") are not the mapping's own: its own
		// override them, as YAML says.
		seen := make(map[string]bool, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				w.merge(v, path, pattern)
				continue
			}
			if seen[k.Value] {
				where := path
				if where != "" {
					where += ": "
				}
				w.errs = append(w.errs, fmt.Errorf("line %d: %skey %q appears twice", k.Line, where, k.Value))
				continue
			}
			seen[k.Value] = true
			childPattern := join(pattern, k.Value)
			if wildcardParents[pattern] {
				childPattern = join(pattern, "*")
			}
			childPath := join(path, k.Value)
			if _, seen := w.lines[childPath]; !seen {
				w.lines[childPath] = k.Line
			}
			if b := boundsByKey[childPattern]; b != nil {
				w.check(b, v, childPath)
				continue
			}
			w.walk(v, childPath, childPattern)
		}
	}
}

// merge walks the mappings a "<<" key merges in as part of the mapping
// holding it: yaml.v3 decodes their keys as its own.
func (w *walker) merge(v *yaml.Node, path, pattern string) {
	if v.Kind == yaml.SequenceNode {
		for _, c := range v.Content {
			w.merge(c, path, pattern)
		}
		return
	}
	w.walk(v, path, pattern) // an alias is followed there, cycles refused
}

func (w *walker) check(b *bound, v *yaml.Node, path string) {
	for v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return // the typed decode has refused or defaulted it
	}
	where := fmt.Sprintf("line %d: %s", v.Line, path)
	x, err := b.value(v)
	if err != nil {
		w.errs = append(w.errs, fmt.Errorf("%s: %q is not %s", where, v.Value, kindNames[b.kind]))
		return
	}
	if err := b.check(where, v.Value, x); err != nil {
		w.errs = append(w.errs, err)
	}
}

var kindNames = map[boundKind]string{
	kindDuration: "a duration with a unit, such as 10ms or 2s",
	kindBytes:    "a size such as 4096, 64KiB or 16MiB",
	kindInt:      "a whole number",
	kindFloat:    "a number",
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// keyError is a problem with a key found after decoding, when its line is
// no longer at hand; Parse adds the line from the document.
type keyError struct {
	key string
	msg string
}

func (e *keyError) Error() string { return e.key + ": " + e.msg }

func keyErr(key, format string, args ...any) error {
	return &keyError{key: key, msg: fmt.Sprintf(format, args...)}
}

// withLines prefixes each keyError in err with the line of its key (or of
// its nearest parent that robot.yaml spells out).
func withLines(err error, lines map[string]int) error {
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	out := make([]error, 0, len(list))
	for _, e := range list {
		var ke *keyError
		if !errors.As(e, &ke) {
			out = append(out, e)
			continue
		}
		line := 0
		for k := ke.key; k != "" && line == 0; {
			line = lines[k]
			i := strings.LastIndexAny(k, ".[")
			if i < 0 {
				break
			}
			k = k[:i]
		}
		if line > 0 {
			out = append(out, fmt.Errorf("line %d: %w", line, e))
		} else {
			out = append(out, e)
		}
	}
	return errors.Join(out...)
}
