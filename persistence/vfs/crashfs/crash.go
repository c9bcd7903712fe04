package crashfs

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"slices"
	"time"
)

// Policy says what of the unsynced state a power cut keeps.
type Policy int

const (
	// LoseUnsynced keeps only what was fsynced: the strict reading of
	// POSIX, and what a careful disk with a volatile cache leaves.
	LoseUnsynced Policy = iota
	// KeepAll keeps everything, as if the process alone had died.
	KeepAll
	// MetadataFirst keeps every directory change but no unsynced data: a
	// renamed or newly created file turns up empty or short (ext4 with
	// data=writeback, XFS before its rename heuristics).
	MetadataFirst
	// GarbageTail keeps every directory change, and data appended since
	// the last fsync turns up as garbage of the same length (the blocks
	// were allocated, their contents never written).
	GarbageTail
	// Random chooses for each directory how many of its unsynced changes
	// reached the disk (in order) and for each file whether its unsynced
	// data was lost, kept or garbled. Crash's seed makes it repeatable.
	Random
)

// Policies lists every policy.
var Policies = []Policy{LoseUnsynced, KeepAll, MetadataFirst, GarbageTail, Random}

func (p Policy) String() string {
	return [...]string{"lose-unsynced", "keep-all", "metadata-first", "garbage-tail", "random"}[p]
}

// Crash returns the disk as a power cut now would leave it under policy,
// as a new file system in which everything is durable and nothing is
// locked. The receiver is not changed. seed drives Random.
func (f *FS) Crash(p Policy, seed uint64) *FS {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := crasher{p: p, rng: rand.New(rand.NewPCG(seed, 0x5eed)), files: map[*file]*file{}, now: f.Now}
	out := New()
	out.Now = f.Now
	out.root = c.dir(f.root)
	return out
}

type crasher struct {
	p     Policy
	rng   *rand.Rand
	files map[*file]*file // keeps hard links shared
	now   func() time.Time
}

func (c *crasher) dir(d *dirNode) *dirNode {
	keep := 0 // how many logged changes reach the disk
	switch c.p {
	case KeepAll, MetadataFirst, GarbageTail:
		keep = len(d.log)
	case Random:
		keep = c.rng.IntN(len(d.log) + 1)
	}
	entries := maps.Clone(d.durable)
	for _, op := range d.log[:keep] {
		op.applyTo(entries)
	}
	out := newDir(d.mtime)
	for _, name := range slices.Sorted(maps.Keys(entries)) { // sorted: the seed alone decides
		e := entries[name]
		var ne any
		switch e := e.(type) {
		case *file:
			ne = c.file(e)
		case *dirNode:
			ne = c.dir(e)
		}
		out.entries[name] = ne
		out.durable[name] = ne
	}
	return out
}

func (c *crasher) file(f *file) *file {
	if nf, ok := c.files[f]; ok {
		return nf
	}
	data := f.durable
	p := c.p
	if p == Random {
		p = []Policy{LoseUnsynced, KeepAll, GarbageTail}[c.rng.IntN(3)]
	}
	switch p {
	case KeepAll:
		data = f.data
	case GarbageTail:
		if len(f.data) > len(f.durable) && bytes.HasPrefix(f.data, f.durable) {
			junk := make([]byte, len(f.data)-len(f.durable))
			for i := range junk {
				junk[i] = byte(c.rng.UintN(256))
			}
			data = append(slices.Clone(f.durable), junk...)
		} else if !bytes.Equal(f.data, f.durable) {
			// Written over since its fsync: torn, the new bytes up to
			// some point and the old ones after it.
			cut := c.rng.IntN(len(f.data) + 1)
			data = append(slices.Clone(f.data[:cut]), f.durable[min(cut, len(f.durable)):]...)
		}
	}
	nf := &file{data: slices.Clone(data), durable: slices.Clone(data), mtime: f.mtime}
	c.files[f] = nf
	return nf
}
