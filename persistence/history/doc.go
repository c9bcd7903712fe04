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
// A version file is a file of its own holding the committed module file's
// bytes, never a hard link of it: users edit module files in place (an
// editor, Python's open(p, "w")), and a shared inode would rewrite the
// version with them. The bytes are read back from the committed file and
// checked against the commit's checksum, written and fsynced under a
// temporary name (the key's spare when there is one, see below), and then
// linked to the version's name with link(2), which fails if the name is
// taken: a version's file is created exclusively and never written over
// (ErrInTheWay). Only after that is the directory fsynced and the version
// listed as recorded. A crash leaves a version's name with its complete
// bytes or not at all; a temporary name left beside it is swept at open.
//
// Version numbers follow one rule, here and in the bucket (ParseVersion):
// digits only, canonical, 1 to MaxVersion; they never wrap. Every name of
// a key's that holds a number is listed, one that is no good version as
// damaged (Version.Damaged: never read, restored or uploaded), so the
// next version goes past every name there is; a name of a version's
// shape with a malformed number is ignored and reported (Ignored).
//
// A data directory of an earlier version kept versions as hard links of
// the module file. At the first listing a version file with more than one
// name is checked against its recorded checksum and copied out into a
// file of its own (unshare), or listed as damaged if an edit already
// rewrote it.
//
// Pruning happens before the directory fsync, so it is made durable by
// it and leaves nothing for the next commit's fsyncs. The newest version
// a record prunes of a module is not deleted but renamed to the key's
// spare (<key>.json.tmp-recycled in this directory), which the next
// version is written over: deleting frees blocks, and a file system
// mounted with -o discard discards every freed block, which the fsyncs
// after it wait for. A spare is written over only while it has no other
// name and once a directory fsync since its rename succeeded; if that
// fsync fails the spare is removed, since its version name may still be
// on the disk, and if the removal fails too no spare is written over
// until an fsync succeeds.
//
// The index is a cache, never the truth: it is written at Close (and after
// a load that had to repair it) with an atomic rename but no fsync, and
// every load checks it against the directory: writing it on every commit
// would cost a write per module per cycle. An entry whose file is missing
// is dropped; one whose file's size differs is listed as damaged; a file
// the index does not know is read and added; a torn or unreadable index
// is rebuilt from the files. So after any crash no version is listed
// whose file is missing, and every version listed as good is complete.
//
// History is best effort: the store calls [History.Record] only after a
// commit is durable, and a failure here (a full disk) is reported in the
// module's status but never fails or undoes the commit.
package history
