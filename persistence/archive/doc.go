// Package archive is the export archive: a .tar.gz holding manifest.json
// first, then modules/<key>.json per module, byte for byte as stored.
//
// [Write] and [Describe] make one from module files; [Read] validates a
// whole upload before anything is imported (a rosys-go archive or a RoSys
// export.json), within [Limits]. [ExportDir] and [ImportDir] work on the
// data directory of a robot that is not running (they take its lock); the
// running store has Export and Import of its own (package persistence),
// which use this package's format and rollback archives.
//
// Data flow of an import: Read checks every entry (names, types, sizes,
// checksums, schema versions) → the state before is written as a rollback
// archive into <data dir>/rollback ([WriteRollback], the newest ten
// distinct states kept) → the import journal records it as applying
// ([BeginImport]) → module files are written atomically, one directory
// fsync for all → the journal records it as applied ([FinishImport], the
// commit point). An import cut off before that is rolled back from its
// rollback archive when the directory is next opened ([RecoverImport],
// [LockDir]); journal.go has the crash reasoning. An import of the state
// already held changes nothing and writes no rollback archive ([Changes]).
//
// [Schedule] takes an export every day at a set local time through an
// [Exporter] (the store) and keeps the newest BackupCount; [List] lists
// the archives in a directory.
package archive
