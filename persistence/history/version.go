package history

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxVersion is the highest version number a history gives or takes:
// 2^53-1, the largest integer a JSON number carries exactly to a
// JavaScript client (the dashboard). At one commit a millisecond it lasts
// 285 000 years, so reaching it means a planted or damaged name, never a
// real history. Numbers never wrap: past it a module's history is full
// and records nothing more (ErrFull), rather than start again at 0 and
// write over version 1.
const MaxVersion uint64 = 1<<53 - 1

var (
	// ErrBadVersion: a name's version number is malformed or out of
	// range; the file or object is ignored, and said so.
	ErrBadVersion = errors.New("not a valid version number")
	// ErrFull: the module's newest version is MaxVersion.
	ErrFull = errors.New("history has reached the highest version number")
	// ErrInTheWay: a file already has the name the next version needs.
	// It is never replaced: the version is not kept, and the next load
	// counts the name, so the version after goes past it.
	ErrInTheWay = errors.New("a file is in the way of the version")
)

// FormatVersion writes n as a name carries it: in decimal, zero-padded to
// width digits (0: none; the bucket's object names use 12, so that they
// list in order).
func FormatVersion(n uint64, width int) string {
	s := strconv.FormatUint(n, 10)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// ParseVersion reads a version number of a file or object name written
// with FormatVersion(n, width): ASCII digits only (no sign, no space, no
// '+', no "0x"), exactly as FormatVersion writes it (so no other leading
// zeros), from 1 to MaxVersion. The one parser of local names and of the
// bucket's, so that a name one side takes the other does too, and a
// hostile name neither does.
func ParseVersion(s string, width int) (uint64, error) {
	if s == "" || len(s) > 20 {
		return 0, fmt.Errorf("%w: %.40q", ErrBadVersion, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %.40q has a character other than a digit", ErrBadVersion, s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > MaxVersion {
		return 0, fmt.Errorf("%w: %q is above the highest version %d", ErrBadVersion, s, MaxVersion)
	}
	if n == 0 {
		return 0, fmt.Errorf("%w: version 0 does not exist", ErrBadVersion)
	}
	if FormatVersion(n, width) != s {
		return 0, fmt.Errorf("%w: %q is not written as %q", ErrBadVersion, s, FormatVersion(n, width))
	}
	return n, nil
}
