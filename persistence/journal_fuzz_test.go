package persistence

import (
	"bytes"
	"testing"
	"time"
)

// FuzzJournalRecord: the record parser never panics on garbage, and every
// record it accepts re-encodes to the same bytes.
func FuzzJournalRecord(f *testing.F) {
	f.Add(appendRecord(nil, JournalRecord{Time: time.Unix(1, 2), Tick: 3, Kind: RecordInput, Source: "lizard", Data: []byte("core 1 2 3@00"), Offset: 9}))
	f.Add(appendRecord(nil, JournalRecord{Kind: RecordTick, Source: "tick"}))
	f.Add([]byte("\x00\x00\x00\x05\x00\x00\x00\x00hello"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, n, err := parseRecord(b)
		if err != nil {
			return
		}
		if again := appendRecord(nil, r); !bytes.Equal(again, b[:n]) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, b[:n])
		}
	})
}
