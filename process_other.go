//go:build !linux

package rosys

import (
	"os"
	"strconv"
	"strings"
)

// files counts the open descriptors and reads the resident set, where
// /proc has them; 0 elsewhere.
func (p *processReader) files() (open int, rss uint64) {
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		open = len(fds) - 1 // the directory being read
	}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseUint(f[1], 10, 64)
			rss = pages * uint64(os.Getpagesize())
		}
	}
	return open, rss
}
