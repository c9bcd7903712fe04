package journal

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/vfs"
)

// FuzzJournalRecord: the record parser never panics on garbage, and every
// record it accepts re-encodes to the same bytes.
func FuzzJournalRecord(f *testing.F) {
	f.Add(appendRecord(nil, Record{Time: time.Unix(1, 2), Tick: 3, Kind: RecordInput, Source: "lizard", Data: []byte("core 1 2 3@00"), Offset: 9}))
	f.Add(appendRecord(nil, Record{Kind: RecordTick, Source: "tick"}))
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

// FuzzReadJournal: a segment of any bytes never crashes the reader.
func FuzzReadJournal(f *testing.F) {
	good := append([]byte(segmentMagic), appendRecord(nil, Record{Kind: RecordInput, Source: "lizard", Data: []byte("core 1 2 3")})...)
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte(segmentMagic + "\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := atomicfile.WriteFile(dir+"/0000000000000001.seg", b); err != nil {
			t.Fatal(err)
		}
		_ = Read(context.Background(), vfs.OS{}, dir, func(Record) error { return nil })
	})
}
