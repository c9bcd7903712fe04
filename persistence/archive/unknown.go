package archive

import (
	"maps"
	"slices"
)

// The rule for keys an import does not know, the same offline (rosys
// backup import) and online (POST /api/import): an import never drops a
// module. Every file in the archive is written; the keys the robot does
// not know are reported as Unknown (printed by the CLI, returned by the
// API) and their files are restored by a module registered under that key
// later. A robot knows a key if a module is registered under it (online)
// or, offline where nothing is registered, if its data directory has a
// file for it.

// SplitKnown sorts the archive's keys into those known (by known) and
// the others, each sorted.
func SplitKnown(files map[string][]byte, known func(key string) bool) (have, unknown []string) {
	for _, key := range slices.Sorted(maps.Keys(files)) {
		if known(key) {
			have = append(have, key)
		} else {
			unknown = append(unknown, key)
		}
	}
	return have, unknown
}
