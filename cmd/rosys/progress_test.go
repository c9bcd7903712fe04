package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The bar draws on a terminal (a real pty) only once the restore has run
// longer than progressAfter, on an injected clock; elsewhere never.
func TestProgressBarOnTerminalOnly(t *testing.T) {
	master, tty, err := pty.Open()
	if err != nil {
		t.Skip("no pty:", err)
	}
	defer master.Close()
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	bar := newProgressBar(tty, clock)
	bar.update(1, 4, 1, 4) // quick: nothing drawn
	now = now.Add(progressAfter)
	bar.update(2, 4, 2, 4)
	bar.done()
	tty.Close()
	out, _ := io.ReadAll(master) // EIO once the tty side is closed and drained
	if got := string(out); !strings.HasPrefix(got, "\r[###############...............] 2/4 modules") || strings.Count(got, "modules") != 1 || strings.Contains(got, "1/4 modules") {
		t.Fatalf("terminal got %q", got)
	}
	var buf bytes.Buffer
	piped := newProgressBar(&buf, clock)
	now = now.Add(time.Hour)
	piped.update(4, 4, 4, 4)
	piped.done()
	if buf.Len() != 0 {
		t.Fatalf("a pipe got %q", buf.String())
	}
}
