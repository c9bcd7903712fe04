package ui

import "testing"

// Streams have a budget of their own: the one past it ends the oldest,
// and a stream that ended leaves room without ending another.
func TestStreamsDisplaceTheOldest(t *testing.T) {
	var st streams
	var ends []<-chan struct{}
	var leaves []func()
	for range maxStreams {
		end, leave := st.join()
		ends, leaves = append(ends, end), append(leaves, leave)
	}
	closed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	for i, e := range ends {
		if closed(e) {
			t.Fatalf("stream %d ended within the budget", i)
		}
	}
	newest, _ := st.join()
	if !closed(ends[0]) || closed(ends[1]) || closed(newest) {
		t.Fatal("the stream past the budget did not end exactly the oldest")
	}
	leaves[5]() // a page closed
	st.join()
	if closed(ends[1]) {
		t.Fatal("a stream was ended though one had left")
	}
	if st.displaced() != 1 {
		t.Fatalf("displaced %d, want 1", st.displaced())
	}
}
