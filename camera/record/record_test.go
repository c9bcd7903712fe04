package record

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/clock"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

var t0 = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// The count bound keeps the newest images; each file holds its image whole.
func TestKeepBoundsCountOldestFirst(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(Config{Dir: dir, Keep: 3, Now: func() time.Time { return t0.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := r.Save([]byte{0xff, 0xd8, byte(i)}, t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	got := names(t, dir)
	want := []string{"20261207T120002.000Z.jpg", "20261207T120003.000Z.jpg", "20261207T120004.000Z.jpg"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("files %v, want %v", got, want)
	}
	b, _ := os.ReadFile(filepath.Join(dir, want[2]))
	if !bytes.Equal(b, []byte{0xff, 0xd8, 4}) {
		t.Fatalf("newest holds %v", b)
	}
	if st := r.Status(); st.Images != 3 || st.Bytes != 9 || st.Saved != 5 || st.Pruned != 2 || !st.Last.Equal(t0.Add(4*time.Second)) {
		t.Fatalf("status %+v", st)
	}
}

// The byte bound prunes the oldest, but never the newest image.
func TestMaxBytesKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(Config{Dir: dir, MaxBytes: 2500, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	img := make([]byte, 1000)
	for i := range 4 {
		if _, err := r.Save(img, t0.Add(time.Duration(i)*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if st := r.Status(); st.Images != 2 || st.Bytes != 2000 {
		t.Fatalf("status %+v", st)
	}
	big := make([]byte, 3000)
	if _, err := r.Save(big, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); len(got) != 1 || got[0] != "20261207T120001.000Z.jpg" {
		t.Fatalf("files %v", got)
	}
}

// Images older than MaxAge go, on save and on Prune; two frames of the
// same millisecond both stay.
func TestMaxAgeAndSameMillisecond(t *testing.T) {
	dir := t.TempDir()
	now := t0
	r, err := Open(Config{Dir: dir, MaxAge: time.Minute, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := r.Save([]byte{1}, t0); err != nil {
			t.Fatal(err)
		}
	}
	if got := names(t, dir); strings.Join(got, ",") != "20261207T120000.000Z-1.jpg,20261207T120000.000Z.jpg" {
		t.Fatalf("files %v", got)
	}
	now = t0.Add(2 * time.Minute)
	r.Prune()
	if got := names(t, dir); len(got) != 0 {
		t.Fatalf("files %v survived their age", got)
	}
}

// Open removes a temporary a crash left, counts the images there towards
// the bounds, and leaves files that are not its own alone.
func TestOpenTakesExistingImages(t *testing.T) {
	dir := t.TempDir()
	for name, size := range map[string]int{"20261207T120000.000Z.jpg": 10, "20261207T120001.000Z.jpg": 10, ".tmp-123": 5, "notes.txt": 3} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Open(Config{Dir: dir, Keep: 2, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	if st := r.Status(); st.Images != 2 || st.Bytes != 20 {
		t.Fatalf("status %+v", st)
	}
	if _, err := r.Save([]byte{1, 2}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(t, dir), ","); got != "20261207T120001.000Z.jpg,20261207T120100.000Z.jpg,notes.txt" {
		t.Fatalf("files %s", got)
	}
	if _, err := r.Save(nil, t0); err != ErrNoImage {
		t.Fatalf("empty image: %v", err)
	}
	if _, err := r.Save(make([]byte, MaxImageBytes+1), t0); err != ErrImageTooLarge {
		t.Fatalf("huge image: %v", err)
	}
}

// Run records on the interval on the (virtual) clock, and a frame it
// already holds (a stalled camera) only once.
func TestRunRecordsOnTheInterval(t *testing.T) {
	clk := clock.NewVirtual()
	dir := t.TempDir()
	r, err := Open(Config{Dir: dir, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	frameAt := clk.Now()
	latest := func() ([]byte, time.Time, bool) {
		if clk.Now().Sub(clock.VirtualStart) < 25*time.Second {
			frameAt = clk.Now() // a fresh frame each time until the camera stalls at 25 s
		}
		return []byte{0xff}, frameAt, true
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	clk.Go(func() { defer close(done); r.Run(ctx, clk, 10*time.Second, latest) })
	if err := clk.Forward(55 * time.Second); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	// Fresh frames at 10 s and 20 s; the camera stalls at 25 s, so 30, 40
	// and 50 s see the frame of 20 s again and add nothing.
	if st := r.Status(); st.Saved != 2 || st.IntervalS != 10 {
		t.Fatalf("status %+v, files %v", st, names(t, dir))
	}
}
