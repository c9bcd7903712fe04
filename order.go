package rosys

import (
	"container/heap"
	"fmt"
	"strings"
)

// startOrder sorts modules so each starts after the ones it depends on,
// keeping registration order where dependencies allow (Kahn's algorithm,
// always taking the earliest-registered ready module). The ready modules
// wait in a min-heap of registration indices: O(N log N), where scanning
// for the earliest ready module was O(N²) and took most of a second of
// start-up with 10 000 modules.
func startOrder(mods []*module) ([]*module, error) {
	index := make(map[string]int, len(mods))
	for i, m := range mods {
		index[m.name] = i
	}
	indegree := make([]int, len(mods))
	dependents := make([][]int, len(mods))
	for i, m := range mods {
		for _, d := range m.deps {
			j, ok := index[d]
			if !ok {
				return nil, fmt.Errorf("module %q depends on %q, which was not added", m.name, d)
			}
			indegree[i]++
			dependents[j] = append(dependents[j], i)
		}
	}
	ready := &indexHeap{}
	for i := range mods {
		if indegree[i] == 0 {
			ready.s = append(ready.s, i) // ascending: already a heap
		}
	}
	out := make([]*module, 0, len(mods))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		out = append(out, mods[i])
		for _, d := range dependents[i] {
			if indegree[d]--; indegree[d] == 0 {
				heap.Push(ready, d)
			}
		}
	}
	if len(out) < len(mods) {
		var cycle []string
		for i, m := range mods {
			if indegree[i] > 0 {
				cycle = append(cycle, m.name)
			}
		}
		return nil, fmt.Errorf("dependency cycle among modules %s", strings.Join(cycle, ", "))
	}
	return out, nil
}

// indexHeap is a min-heap of module indices (container/heap).
type indexHeap struct{ s []int }

func (h *indexHeap) Len() int           { return len(h.s) }
func (h *indexHeap) Less(i, j int) bool { return h.s[i] < h.s[j] }
func (h *indexHeap) Swap(i, j int)      { h.s[i], h.s[j] = h.s[j], h.s[i] }
func (h *indexHeap) Push(x any)         { h.s = append(h.s, x.(int)) }
func (h *indexHeap) Pop() any {
	x := h.s[len(h.s)-1]
	h.s = h.s[:len(h.s)-1]
	return x
}
