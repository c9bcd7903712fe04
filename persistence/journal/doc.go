// Package journal records what drivers receive and send, for replay and
// for finding out afterwards what a robot saw.
//
// # A record, from the driver to the segment
//
//  1. A driver that received a line (or sent a command) calls
//     [Journal.RecordAt] with its own receive time, a source name and the
//     bytes; a repeater calls [Journal.Tick] once per control tick. The
//     record gets the current tick number and the source's running byte
//     offset, and the data is copied (not kept, under offsets_only).
//  2. The record goes into a bounded queue. Recording never blocks a driver:
//     when the queue is full the record is dropped and counted
//     ([Status].Dropped).
//  3. The journal's own goroutine takes records off the queue and appends
//     each to the current segment file as length, CRC-32C and payload
//     (record.go describes the format).
//  4. The segment is fsynced at least every SyncEvery (default 200 ms),
//     so a power cut takes at most that much; [Journal.Sync] forces it.
//  5. After SegmentSize bytes the segment is synced and closed, the next one
//     is created (and its directory entry fsynced), OnRotate tells a mirror
//     there is a closed segment to upload, and the oldest segments beyond
//     MaxBytes or MaxAge are removed.
//
// At open, a torn tail left by a power cut mid-append is truncated after
// the last intact record; a segment that is not a regular file, too large,
// or without a valid header is kept aside. [Read] returns every record,
// oldest first; damage in any but the newest segment is an error naming the
// segment and offset.
package journal
