// Package persistence is what a module author uses to keep a module's
// state across restarts and power cuts.
//
// A module implements [Persistable] (Backup and Restore), or wraps its
// state in a [Value], which does both behind its own lock and asks for a
// backup on every change. A module that writes Backup and Restore itself
// embeds a [Tracker] to ask for backups; [FromJSON], [ToJSON] and the
// Replace helpers decode and encode its state; [Versioned], or
// [WithSchema] with [Migration] functions, carry stored data from one
// shape to the next; [Float] keeps NaN and the infinities; [ValidateKey]
// is the rule for module keys. Added to the runtime (package rosys) under
// a key, the module is restored before it starts, written after it asks,
// and written at shutdown.
//
// The storage engine that does that is package persistence/store (the
// store, its modes, backup, restore, import, export and history); a
// module needs none of it, and this package imports none of it.
package persistence
