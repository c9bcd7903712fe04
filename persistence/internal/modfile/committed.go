package modfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gorosys/rosys/persistence/vfs"
)

// ErrCommittedOverLimit: a file the store committed itself (its envelope
// or its sidecar says so) is larger than the configured limit. Such a
// file is the robot's own state, so it is never set aside and replaced
// by defaults because of a limit lowered since: start-up stops instead
// (rosys run and the offline commands exit 2), naming the file, its size,
// the key and the limit.
var ErrCommittedOverLimit = errors.New("a module file the store committed is larger than persistence.max_file_bytes")

// headBytes is how much of a file's start is read to tell whether the
// store wrote it: EncodeTo's header up to the data, with the longest key
// and save time, fits with room to spare.
const headBytes = 1024

// Committed reports whether the file at path, size bytes long (too large
// to be read whole), is one the store wrote for key, from a bounded read:
// its start is the envelope's header as EncodeTo lays it out, naming key,
// or key's sidecar in dir (format rosys) names a generation of exactly
// size bytes. A foreign file (zeros, another program's data) is not.
func Committed(fsys vfs.FS, dir, key, path string, size int64) bool {
	if head, err := vfs.ReadHead(fsys, path, headBytes); err == nil && ownHeader(key, head) {
		return true
	}
	sc, err := ReadSidecar(fsys, dir, key)
	if err != nil {
		return false
	}
	for _, g := range sc.Generations {
		if int64(g.Size) == size && g.SchemaVersion >= 1 {
			return true
		}
	}
	return false
}

// ownHeader reports whether head starts a file EncodeTo wrote for key:
// the envelope's fields before "data", parsed and checked.
func ownHeader(key string, head []byte) bool {
	if !bytes.HasPrefix(head, []byte(ownPrefix)) {
		return false
	}
	i := bytes.Index(head, []byte(dataMarker))
	if i < 0 {
		return false
	}
	var env envelope
	if json.Unmarshal(append(head[:i:i], '}'), &env) != nil {
		return false
	}
	return env.Format == Format && env.Key == key && env.SchemaVersion >= 1 && !env.SavedAt.IsZero()
}

// OverLimit is the error for key's committed file at path, size bytes
// over limit.
func OverLimit(path, key string, size, limit int64) error {
	return fmt.Errorf("%w: %s (module %q) is %d bytes, the limit is %d: the store committed it, so it is not set aside; raise persistence.max_file_bytes to at least %d",
		ErrCommittedOverLimit, path, key, size, limit, size)
}

// CheckOverLimit turns the error of a bounded read of key's file at path
// (or its .prev) into OverLimit when the file is too large and committed
// by the store; any other error is returned as it is.
func CheckOverLimit(fsys vfs.FS, dir, key, path string, limit int64, err error) error {
	if !errors.Is(err, vfs.ErrTooLarge) {
		return err
	}
	info, lerr := fsys.Lstat(path)
	if lerr != nil || !info.Mode().IsRegular() || !Committed(fsys, dir, key, path, info.Size()) {
		return err
	}
	return OverLimit(path, key, info.Size(), limit)
}
