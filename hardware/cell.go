package hardware

import "sync"

// Topic holds the latest value of T and fans new values out to
// subscribers. Publish never blocks and never allocates once subscribers
// are set up, so a driver's reader or the control loop can publish freely.
// The lock is only held to copy a value, never during I/O.
type Topic[T any] struct {
	mu     sync.RWMutex
	latest T
	subs   []chan T
}

// Publish stores v as the latest value and offers it to every subscriber;
// a full subscriber misses it.
func (t *Topic[T]) Publish(v T) {
	t.mu.Lock()
	t.latest = v
	for _, c := range t.subs {
		select {
		case c <- v:
		default:
		}
	}
	t.mu.Unlock()
}

// Latest returns the latest published value.
func (t *Topic[T]) Latest() T {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.latest
}

// Subscribe returns a channel of new values and a cancel function.
func (t *Topic[T]) Subscribe(buffer int) (<-chan T, func()) {
	c := make(chan T, max(buffer, 1))
	t.mu.Lock()
	t.subs = append(t.subs, c)
	t.mu.Unlock()
	var once sync.Once
	return c, func() {
		once.Do(func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			for i, s := range t.subs {
				if s == c {
					t.subs = append(t.subs[:i], t.subs[i+1:]...)
					break
				}
			}
		})
	}
}
