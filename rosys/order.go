package rosys

import (
	"fmt"
	"strings"
)

// startOrder sorts modules so each starts after the ones it depends on,
// keeping registration order where dependencies allow (Kahn's algorithm,
// always taking the earliest-registered ready module).
func startOrder(mods []*module) ([]*module, error) {
	byName := make(map[string]*module, len(mods))
	for _, m := range mods {
		byName[m.name] = m
	}
	indegree := make(map[*module]int, len(mods))
	dependents := make(map[*module][]*module, len(mods))
	for _, m := range mods {
		for _, d := range m.deps {
			dep, ok := byName[d]
			if !ok {
				return nil, fmt.Errorf("module %q depends on %q, which was not added", m.name, d)
			}
			indegree[m]++
			dependents[dep] = append(dependents[dep], m)
		}
	}
	out := make([]*module, 0, len(mods))
	done := make(map[*module]bool, len(mods))
	for len(out) < len(mods) {
		var next *module
		for _, m := range mods {
			if !done[m] && indegree[m] == 0 {
				next = m
				break
			}
		}
		if next == nil {
			var cycle []string
			for _, m := range mods {
				if !done[m] {
					cycle = append(cycle, m.name)
				}
			}
			return nil, fmt.Errorf("dependency cycle among modules %s", strings.Join(cycle, ", "))
		}
		done[next] = true
		out = append(out, next)
		for _, d := range dependents[next] {
			indegree[d]--
		}
	}
	return out, nil
}
