// Package history keeps every committed version of every module, within
// bounds (count, age, bytes) set per module, so that a module can be put
// back as it was at a version or an instant (point-in-time restore).
//
// Layout, under the data directory:
//
//	history/<key>@<version>.json   the module file exactly as committed
//	history/<key>@index.json       version, time, size, sha256 of each
//
// One directory for all modules, so that one fsync of it makes a whole
// commit's versions durable: a directory per module would cost one fsync
// per module per backup cycle, doubling the cycle's fsyncs. ('@' is in no
// module key, so a name parses back to its key and version.)
//
// A version file is the committed module file itself, hard-linked into the
// history (the store never rewrites a module file in place: each commit is
// a new file renamed over the old name, so the link keeps the old bytes).
// Where the file system has no hard links it is copied with an atomic,
// fsynced write. Either way the directory is fsynced before the
// version is listed as recorded.
//
// Pruning happens before that fsync, so it is made durable by it and
// leaves nothing for the next commit's fsyncs. The newest version a
// record prunes of a module is not deleted but renamed to the path the
// caller names (Commit.Recycle: the store's next write of that module
// file writes over it): deleting frees blocks, and a file system mounted
// with -o discard discards every freed block, which the fsyncs after it
// wait for. If the fsync fails the recycled file is removed, since its
// name may still be in the history on the disk.
//
// The index is a cache, never the truth: it is written at Close (and after
// a load that had to repair it) with an atomic rename but no fsync, and
// every load checks it against the directory. Not writing it on every
// commit keeps a version to one hard link and one directory fsync.
// An entry whose file is missing or whose size differs is dropped or
// recomputed from the file; a file the index does not know is added; a
// torn or unreadable index is rebuilt from the files. So after any crash
// no version is listed whose file is missing, and every listed file is
// complete.
//
// History is best effort: the store calls [History.Record] only after a
// commit is durable, and a failure here (a full disk) is reported in the
// module's status but never fails or undoes the commit.
package history
