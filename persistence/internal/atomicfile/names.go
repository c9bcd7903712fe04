package atomicfile

import "strings"

// The names this package gives files beside the one it writes. Package
// modfile refuses module keys that could be read as one of them (see
// modfile.Classify), so no committed file ever looks like one.
const (
	// TmpMarker is part of every temporary file name: a write's file
	// before its rename (<name>.tmp-<digits>), the link that becomes
	// .prev (<name>.prev.tmp-link) and the spares kept for writing over
	// (<name>.tmp-recycled, .tmp-recycled-prev).
	TmpMarker = ".tmp-"
	// PrevSuffix ends the previous generation of a file: <name>.prev.
	PrevSuffix = ".prev"
	// CorruptMarker starts what MoveAside appends: <name>.corrupt-<time>.
	CorruptMarker = ".corrupt-"
)

// IsTemporary says whether name is a temporary file name (see
// TmpMarker): never the committed state of anything, so swept when a
// store opens and never listed. It is the one test the sweep uses.
//
// What follows the last TmpMarker is a bare word, without a dot: the
// random digits of CreateTemp, "recycled", "recycled-prev", "link". Every
// committed file name ends in an extension (.json), so none is ever taken
// for a temporary, not even a module file an earlier version let a key
// with ".tmp-" name (calib.tmp-2024.json): it is kept, never swept.
func IsTemporary(name string) bool {
	i := strings.LastIndex(name, TmpMarker)
	return i >= 0 && !strings.Contains(name[i+len(TmpMarker):], ".")
}
