// Package mirror copies a store's committed state to metadata and
// snapshot storage (Pathway's split: manifests and the lease in one
// backend, module objects and journal segments in the other), for a fleet
// that keeps state in S3 or a robot that must restore onto a fresh disk.
//
// The local data directory is the spool. A commit flows like this:
//
//  1. The store makes a batch durable locally and calls
//     [Mirror.Committed] with the keys; they become pending and the mirror's
//     wake-up channel ([Mirror.Wake]) gets a value. The store never waits
//     for the network.
//  2. The runtime's mirror loop calls [Mirror.Sync]. On first use the
//     mirror takes the lease (lease.go): one robot per root, or
//     [ErrLeaseHeld].
//  3. Each pending module file is read from the spool and, if it differs
//     from the newest manifest, uploaded as
//     snapshots/<key>/<generation>.json; closed journal segments go to
//     journal/ (upload.go).
//  4. Only then is the manifest naming every object written
//     (manifests/<generation>.json, if absent): a manifest that exists is
//     complete.
//  5. Every KeepGenerations uploads, manifests beyond KeepGenerations and
//     the objects only they name are deleted (gc.go).
//
// A failed upload leaves the modules pending and retries after a backoff;
// a restart finds them again by comparing local files with the newest
// manifest ([Mirror.MarkDiffering]). At start, [Mirror.Recover] fetches
// modules without a local file from the newest manifest that has a good
// copy (recovery.go, fetch.go). [Mirror.Status] reports all of it.
package mirror
