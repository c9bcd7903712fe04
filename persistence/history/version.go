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

// MaxGap is the widest gap between two versions of one module that are
// taken as one history. A history's versions are consecutive but for the
// few a failed record skipped, and its bounds keep a run of them; a
// version further away was planted (or is left from another history).
const MaxGap = 10_000

// Run splits versions (sorted, ascending) into runs whose gaps are at
// most MaxGap and returns the one to take, and the others (far): the run
// holding anchor if it is non-zero and among them (the newest version
// the index recorded), else the run with the most versions (the older on
// a tie). A version planted far above the real ones (2^53-2, say, which
// would leave the history one version from full) is so set aside instead
// of becoming the newest.
func Run(versions []uint64, anchor uint64) (take, far []uint64) {
	if len(versions) == 0 {
		return nil, nil
	}
	best, start, anchored := [2]int{0, 1}, 0, false
	for i := 1; i <= len(versions); i++ {
		if i < len(versions) && versions[i]-versions[i-1] <= MaxGap {
			continue
		}
		holds := anchor != 0 && versions[start] <= anchor && anchor <= versions[i-1]
		if !anchored && (holds || i-start > best[1]-best[0]) {
			best = [2]int{start, i}
			anchored = holds
		}
		start = i
	}
	take = versions[best[0]:best[1]]
	far = append(append(far, versions[:best[0]]...), versions[best[1]:]...)
	return take, far
}
