package rosys

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// The process figures read with raw system calls are those os.ReadDir and
// os.ReadFile find.
func TestProcessFilesAsTheOSReadsThem(t *testing.T) {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		t.Skip("no /proc here")
	}
	// Open a few more, so that a count of 0 or of the directory alone
	// cannot pass.
	for range 5 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
	}
	var p processReader
	open, rss := p.files()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	if want := len(fds) - 1; open != want || open < 5 {
		t.Errorf("open files %d, os.ReadDir finds %d", open, want)
	}
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	pages, _ := strconv.ParseUint(strings.Fields(string(b))[1], 10, 64)
	// The resident set moves between the two reads by a few pages at most.
	if want := pages * uint64(os.Getpagesize()); rss == 0 || rss > want+1<<20 || rss+1<<20 < want {
		t.Errorf("rss %d, statm says %d", rss, want)
	}
	if got := statmResident([]byte("5 17 3 1 0 2 0\n")); got != 17 {
		t.Errorf("statm resident %d, want 17", got)
	}
}
