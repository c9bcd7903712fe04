package journal_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/vfs"
)

func readAll(t *testing.T, dir string) []journal.Record {
	t.Helper()
	var out []journal.Record
	if err := journal.Read(context.Background(), vfs.OS{}, dir, func(r journal.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

var t1 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func clockFrom(t0 time.Time) func() time.Time {
	var n atomic.Int64 // the journal's writer reads the clock too
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)) * time.Millisecond) }
}

func TestJournalRoundTrip(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(journal.Config{Dir: dir, Now: clockFrom(t1), SegmentSize: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		j.Tick(uint64(i))
		j.Record("lizard", journal.RecordInput, []byte(fmt.Sprintf("core %d 0.300 0.000 false@00", i)))
		if i%10 == 0 {
			j.Record("lizard", journal.RecordCommand, []byte("wheels.speed(0.300, 0.000)"))
		}
	}
	j.Close()
	recs := readAll(t, dir)
	if len(recs) != 630 {
		t.Fatalf("%d records", len(recs))
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) < 3 {
		t.Fatalf("no rotation: %v", segs)
	}
	var offset uint64
	for i, r := range recs {
		if i > 0 && r.Time.Before(recs[i-1].Time) {
			t.Fatal("out of order")
		}
		if r.Source == "lizard" {
			if r.Offset != offset {
				t.Fatalf("record %d offset %d, want %d", i, r.Offset, offset)
			}
			offset += uint64(len(r.Data))
		}
	}
	if r := recs[1]; r.Kind != journal.RecordInput || r.Tick != 0 || string(r.Data) != "core 0 0.300 0.000 false@00" {
		t.Fatalf("%+v", r)
	}
	if st := j.Status(); st.Written != 630 || st.Dropped != 0 {
		t.Fatalf("%+v", st)
	}
}

func TestJournalOffsetsOnly(t *testing.T) {
	dir := t.TempDir()
	j, _ := journal.Open(journal.Config{Dir: dir, OffsetsOnly: true})
	j.Record("lizard", journal.RecordInput, []byte("12345"))
	j.Record("lizard", journal.RecordInput, []byte("678"))
	j.Close()
	recs := readAll(t, dir)
	if len(recs) != 2 || len(recs[0].Data) != 0 || recs[1].Offset != 5 {
		t.Fatalf("%+v", recs)
	}
}

func TestJournalTornTail(t *testing.T) {
	dir := t.TempDir()
	j, _ := journal.Open(journal.Config{Dir: dir})
	for i := range 10 {
		j.Record("lizard", journal.RecordInput, []byte(fmt.Sprint("line ", i)))
	}
	j.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	last := segs[len(segs)-1]
	b, _ := os.ReadFile(last)
	// A power cut mid-append: half a record, then garbage the disk had.
	torn := append(b[:len(b)-7], []byte("\x00\x00\x01\xffgarbage")...)
	os.WriteFile(last, torn, 0o644)
	recs := readAll(t, dir)
	if len(recs) != 9 || string(recs[8].Data) != "line 8" {
		t.Fatalf("read %d records past a torn tail", len(recs))
	}
	j2, err := journal.Open(journal.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if j2.Status().Truncated == 0 {
		t.Fatal("torn tail not truncated at open")
	}
	j2.Record("lizard", journal.RecordInput, []byte("after"))
	j2.Close()
	recs = readAll(t, dir)
	if len(recs) != 10 || string(recs[9].Data) != "after" {
		t.Fatalf("%d records after reopening", len(recs))
	}
}

func TestJournalDamageInsideIsAnError(t *testing.T) {
	dir := t.TempDir()
	j, _ := journal.Open(journal.Config{Dir: dir, SegmentSize: 200})
	for i := range 40 {
		j.Record("lizard", journal.RecordInput, []byte(fmt.Sprint("line ", i)))
	}
	j.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	b, _ := os.ReadFile(segs[0])
	b[len(b)-3] ^= 0xff
	os.WriteFile(segs[0], b, 0o644)
	err := journal.Read(context.Background(), vfs.OS{}, dir, func(journal.Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), filepath.Base(segs[0])) || !strings.Contains(err.Error(), "damaged at offset") {
		t.Fatalf("%v", err)
	}
}

func TestJournalSizeBound(t *testing.T) {
	dir := t.TempDir()
	j, _ := journal.Open(journal.Config{Dir: dir, SegmentSize: 1 << 10, MaxBytes: 4 << 10})
	for i := range 500 {
		j.Record("lizard", journal.RecordInput, []byte(fmt.Sprintf("core %06d 0.300 0.000 false@00", i)))
	}
	j.Close()
	var total int64
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	for _, s := range segs {
		fi, _ := os.Stat(s)
		total += fi.Size()
	}
	recs := readAll(t, dir)
	if total > 5<<10 || len(recs) == 0 || string(recs[len(recs)-1].Data) != "core 000499 0.300 0.000 false@00" {
		t.Fatalf("%d bytes in %d segments, %d records", total, len(segs), len(recs))
	}
}

func TestJournalRecordNeverBlocks(t *testing.T) {
	j, _ := journal.Open(journal.Config{Dir: t.TempDir(), Buffer: 2})
	j.Close() // the writer is gone: the queue fills and records are dropped
	for range 10 {
		j.Record("lizard", journal.RecordInput, []byte("x"))
	}
	if d := j.Status().Dropped; d != 8 {
		t.Fatalf("dropped %d", d)
	}
}
