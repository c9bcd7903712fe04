// Package store is the storage engine: it keeps the modules registered
// with it (persistence.Persistable, persistence.Value) across restarts and
// power cuts.
//
// A module is registered with a [Store] under a key. The store restores
// every module at start, writes the modules that asked for it
// (persistence.Tracker.RequestBackup, [Store.RequestBackup]) once per
// backup cycle, and writes all of them on [Store.Flush] at shutdown.
//
// Every write is atomic and durable: a crash at any instant leaves either the
// old or the new complete file, never a torn one. A file that cannot be read is
// moved aside, never deleted or overwritten, and the module falls back to the
// previous generation or to its defaults; start-up never fails because of one
// bad file.
//
// # A backup request, from Value.Update to the directory fsync
//
//  1. persistence.Value.Update changes the value under the Value's own lock and, once
//     the lock is released, calls persistence.Tracker.RequestBackup: the tracker's
//     generation counter grows by one and the store's wake-up channel
//     ([Store.Requests]) gets a value if it has none. Nothing blocks; the
//     control loop may call it.
//  2. The runtime's backup loop (package storage) waits for that channel or its
//     snapshot interval and calls [Store.BackupRequested].
//  3. The store takes its write lock and, for every module whose generation
//     differs from the one last made durable, reads the generation first and
//     then asks the module for a snapshot (Value.Backup: a deep copy under a
//     read lock). A request that arrives after that point leaves the module
//     marked for the next cycle.
//  4. Encoders (as many as [WithWriters] and at most GOMAXPROCS) take the
//     snapshots and encode them into module files (the envelope of
//     internal/modfile), ahead of up to [WithWriters] goroutines that write
//     each one atomically (internal/atomicfile): a temporary file in the
//     same directory, write, fsync, close, a hard link of the current file
//     to <key>.json.prev, rename over <key>.json. While such a store is
//     open, GOMAXPROCS is one higher (one for all stores): a writer in
//     fsync keeps its P for a while, and the encoders need the CPU it
//     leaves idle.
//  5. One fsync of the directory makes every rename of the batch durable.
//     Only then does each module count as saved: its status is updated,
//     [Store.WaitDurable] returns, and a mirror, if any, is told which keys
//     changed ([mirror.Mirror.Committed]) and uploads them on its own
//     goroutine. With [WithHistory], the batch is then recorded in the
//     history (package history: a file of its own per version, created
//     exclusively, one directory fsync), best
//     effort: a failure there is only reported in the module's status.
//
// # The packages below
//
// The store is the top of the storage layers; everything it uses sits in a
// package of its own, and imports only point down:
//
//	persistence               what a module author uses: Persistable, Value, Tracker, Float, helpers, migrations, ModuleStatus
//	persistence/store         Store, Config, modes, restore, backup, prefetch, history; Export/Import on a running store
//	├── fleet                 the robots sharing one bucket, from their manifests: List, Restore (imports mirror, archive)
//	├── archive               export archives: format, Read/Write, ExportDir/ImportDir, rollback archives, List, Schedule; RoSys' export.json
//	├── history               every committed version of every module, bounded; the store records after each durable commit
//	├── mirror                copies commits to metadata and snapshot storage: lease, recovery, fetch, upload, gc
//	│   ├── journal           the input journal: records, segments, reading (the mirror uploads closed segments)
//	│   └── backend           Backend, Filesystem, Memory (Config names backends too); backend/s3 imports it
//	├── internal/modfile      the module file: key validation, envelope, format rosys and its sidecars, NaN tokens, a directory of module files
//	├── internal/atomicfile   atomic durable writes, moving damaged files aside
//	└── vfs                   the file-system interface everything writes through
//
// Every package that writes files does so through internal/atomicfile, and
// every one that reads or writes module files through internal/modfile.
// The journal is opened by the assembly (robot/journal.go), not by the
// store.
//
// The package knows nothing of robots: package storage runs the
// backup cycle, the mirror and the daily schedule for the runtime.
package store
