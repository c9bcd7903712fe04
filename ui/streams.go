package ui

import "sync"

// maxStreams bounds the event streams open at once. Streams are the one
// kind of request that holds a connection for as long as the client
// wishes, so a budget of their own keeps them from taking the room other
// requests (the e-stop) need; a new stream displaces the oldest, since an
// operator's fresh page matters more than a tab left open somewhere.
const maxStreams = 32

// streams is the set of open event streams, oldest first.
type streams struct {
	mu   sync.Mutex
	open []chan struct{} // closed to tell a stream to end
	cut  uint64
}

// join adds a stream and returns the channel closed when it must end to
// make room, and the function to call when it ends.
func (st *streams) join() (<-chan struct{}, func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for len(st.open) >= maxStreams {
		close(st.open[0])
		st.open = st.open[1:]
		st.cut++
	}
	ch := make(chan struct{})
	st.open = append(st.open, ch)
	return ch, func() {
		st.mu.Lock()
		defer st.mu.Unlock()
		for i, c := range st.open {
			if c == ch {
				st.open = append(st.open[:i], st.open[i+1:]...)
				return
			}
		}
	}
}

// displaced counts the streams ended to make room for newer ones.
func (st *streams) displaced() uint64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.cut
}
