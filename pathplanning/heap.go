package pathplanning

// minHeap is a binary heap of items ordered by key, without the boxing
// container/heap's any costs on every push.
type minHeap[T any] struct {
	items []T
	key   func(T) float64
}

func (h *minHeap[T]) Len() int { return len(h.items) }

func (h *minHeap[T]) push(x T) {
	h.items = append(h.items, x)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h.key(h.items[p]) <= h.key(h.items[i]) {
			break
		}
		h.items[p], h.items[i] = h.items[i], h.items[p]
		i = p
	}
}

func (h *minHeap[T]) pop() T {
	top := h.items[0]
	n := len(h.items) - 1
	h.items[0] = h.items[n]
	h.items = h.items[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.key(h.items[l]) < h.key(h.items[m]) {
			m = l
		}
		if r < n && h.key(h.items[r]) < h.key(h.items[m]) {
			m = r
		}
		if m == i {
			break
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
	return top
}
