package lizard

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Errors of Configure, which callers (and the CLI's exit message) branch
// on. Each is wrapped with what was seen.
var (
	ErrNoReady         = errors.New("no Ready. after core.restart()")
	ErrNoAnswer        = errors.New("no answer to core.startup_checksum()")
	ErrChecksumDiffers = errors.New("startup checksum mismatch")
	ErrConnectionLost  = errors.New("connection to the controller lost")
)

// ConfigureOptions bound the waits of Configure. Zero fields take
// defaults.
type ConfigureOptions struct {
	// ReadyTimeout bounds the wait for "Ready." after core.restart()
	// (default DefaultReadyTimeout).
	ReadyTimeout time.Duration
	// AnswerTimeout bounds the wait for each checksum answer (default 2 s).
	AnswerTimeout time.Duration
}

func (o ConfigureOptions) withDefaults(code Code) ConfigureOptions {
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = DefaultReadyTimeout(code)
	}
	if o.AnswerTimeout <= 0 {
		o.AnswerTimeout = 2 * time.Second
	}
	return o
}

// LineSender sends one command line (checksum added by the sender).
type LineSender interface {
	SendLine(ctx context.Context, cmd string) error
}

// ConfigureResult is what a configure found. Old and Actual are -1 when
// the controller did not say.
type ConfigureResult struct {
	Old      int
	Expected uint16
	Actual   int
}

// Configure uploads code as the controller's startup script and checks
// it, as Lizard's configure.py does: it asks the old checksum, sends "!-"
// (clear), "!+<line>" per line, "!." (save), "core.restart()", waits for
// "Ready.", asks core.startup_checksum() and compares the answer with
// the code's. replies carries the controller's lines (checksums checked,
// core messages left out, "Ready." as it is) and is closed when the
// connection fails.
func Configure(ctx context.Context, s LineSender, replies <-chan string, code Code, opt ConfigureOptions) (ConfigureResult, error) {
	opt = opt.withDefaults(code)
	res := ConfigureResult{Old: -1, Expected: code.Checksum(), Actual: -1}
	old, err := askChecksum(ctx, s, replies, opt.AnswerTimeout)
	if errors.Is(err, ErrConnectionLost) || ctx.Err() != nil {
		return res, fmt.Errorf("before uploading: %w", err)
	}
	res.Old = old // -1 if it did not answer: the upload may still work
	lines := make([]string, 0, len(code)+3)
	lines = append(lines, "!-")
	for _, l := range code {
		lines = append(lines, "!+"+l)
	}
	lines = append(lines, "!.", "core.restart()")
	for i, l := range lines {
		if err := s.SendLine(ctx, l); err != nil {
			return res, fmt.Errorf("%w while uploading (line %d of %d sent): %w; the controller keeps its old startup code until it receives \"!.\"", ErrConnectionLost, i, len(lines), err)
		}
	}
	if err := waitFor(ctx, replies, opt.ReadyTimeout, IsReady); err != nil {
		if errors.Is(err, errTimeout) {
			return res, fmt.Errorf("%w within %s (old checksum %s)", ErrNoReady, opt.ReadyTimeout, hex4(res.Old))
		}
		return res, fmt.Errorf("waiting for Ready.: %w", err)
	}
	res.Actual, err = askChecksum(ctx, s, replies, opt.AnswerTimeout)
	if err != nil {
		return res, fmt.Errorf("after restart: %w (old checksum %s)", err, hex4(res.Old))
	}
	if uint16(res.Actual) != res.Expected {
		return res, fmt.Errorf("%w: expected %04x, controller has %04x (old checksum %s)", ErrChecksumDiffers, res.Expected, res.Actual, hex4(res.Old))
	}
	return res, nil
}

var errTimeout = errors.New("timeout")

// DefaultReadyTimeout is how long Lizard's own configure.py waits for
// "Ready." after core.restart(): 3 s, plus 0.5 s per line of startup code
// (the controller runs them all before it says Ready.), plus 3 s for each
// "Expander" in the code (the controller waits for each expander to
// boot).
func DefaultReadyTimeout(code Code) time.Duration {
	return 3*time.Second + time.Duration(len(code))*500*time.Millisecond +
		time.Duration(strings.Count(code.String(), "Expander"))*3*time.Second
}

// IsReady reports whether a line is the main controller's "Ready.": the
// whole line, as main.cpp prints it after the startup code ran. An
// expander's boot says "p0: Ready." through the main controller while
// the startup code still runs (expander.cpp's check_boot_progress), so a
// line merely ending in "Ready." is not it.
func IsReady(line string) bool { return strings.TrimSpace(line) == "Ready." }

// askChecksum sends core.startup_checksum() (up to three times within
// timeout, in case a line was lost) and returns the answer.
func askChecksum(ctx context.Context, s LineSender, replies <-chan string, timeout time.Duration) (int, error) {
	const tries = 3
	for range tries {
		if err := s.SendLine(ctx, "core.startup_checksum()"); err != nil {
			return -1, fmt.Errorf("%w: %w", ErrConnectionLost, err)
		}
		sum := -1
		err := waitFor(ctx, replies, timeout/tries, func(l string) bool {
			if v, ok := ParseChecksumAnswer(l); ok {
				sum = int(v)
				return true
			}
			return false
		})
		if err == nil {
			return sum, nil
		}
		if !errors.Is(err, errTimeout) {
			return -1, err
		}
	}
	return -1, fmt.Errorf("%w within %s", ErrNoAnswer, timeout)
}

// waitFor reads replies until ok holds, the time is up, or the connection
// ends.
func waitFor(ctx context.Context, replies <-chan string, timeout time.Duration, ok func(string) bool) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case l, open := <-replies:
			if !open {
				return ErrConnectionLost
			}
			if ok(l) {
				return nil
			}
		case <-t.C:
			return errTimeout
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ParseChecksumAnswer reads "checksum: 1a2b" (as core.startup_checksum()
// answers, possibly behind an expander prefix).
func ParseChecksumAnswer(line string) (uint16, bool) {
	i := strings.Index(line, "checksum: ")
	if i < 0 {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSpace(line[i+len("checksum: "):]), 16, 16)
	return uint16(v), err == nil
}

func hex4(v int) string {
	if v < 0 {
		return "unknown (no answer)"
	}
	return fmt.Sprintf("%04x", v)
}
