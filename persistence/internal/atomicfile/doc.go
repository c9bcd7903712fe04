// Package atomicfile writes files so that a crash at any instant leaves
// either the old or the new complete file: a temporary file in the same
// directory, fsync, rename, and one fsync of the directory per batch. The
// store, the journal, the archives and the filesystem backend all write
// through it.
package atomicfile
