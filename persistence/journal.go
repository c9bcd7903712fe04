package persistence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap"
)

// JournalConfig configures an input journal.
type JournalConfig struct {
	Dir         string        // segments go here (the data directory's journal/)
	SegmentSize int64         // rotate after this many bytes (default 4 MiB)
	MaxBytes    int64         // drop the oldest segments beyond this (default 256 MiB)
	MaxAge      time.Duration // and those older than this (default 7 days)
	// OffsetsOnly keeps tick markers and offsets, not the event data
	// (snapshot_access: offsets_only).
	OffsetsOnly bool
	// SyncEvery bounds how much a power cut can take: records are fsynced
	// at least this often (default 200 ms).
	SyncEvery time.Duration
	Buffer    int // records queued before new ones are dropped (default 4096)
	// OnRotate is called (on the journal's goroutine) when a segment is
	// closed, so a mirror can upload it.
	OnRotate func()
	Now      func() time.Time
	Log      *zap.Logger
	// FS is the file system (default vfs.OS); tests model power cuts
	// with it.
	FS vfs.FS
}

// Journal records what drivers receive and send, for replay. Recording
// never blocks a driver: records go through a bounded queue to the
// journal's writer goroutine, and a full queue drops (and counts) them.
type Journal struct {
	cfg     JournalConfig
	log     *zap.Logger
	queue   chan JournalRecord
	offsets sync.Map // source → *atomic.Uint64
	tick    atomic.Uint64

	dropped   atomic.Uint64
	written   atomic.Uint64
	truncated int64
	seq       int
	f         vfs.File
	size      int64
	done      chan struct{}
	closeOnce sync.Once
	stop      chan struct{}
	syncReq   chan chan error
	lastErr   atomic.Pointer[string]
}

// OpenJournal opens the journal in cfg.Dir, truncating a torn tail left by
// a power cut mid-append, and starts a new segment.
func OpenJournal(cfg JournalConfig) (*Journal, error) {
	if cfg.SegmentSize <= 0 {
		cfg.SegmentSize = 4 << 20
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 256 << 20
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 7 * 24 * time.Hour
	}
	if cfg.SyncEvery <= 0 {
		cfg.SyncEvery = 200 * time.Millisecond
	}
	if cfg.Buffer <= 0 {
		cfg.Buffer = 4096
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	if cfg.FS == nil {
		cfg.FS = vfs.OS{}
	}
	if err := atomicfile.MkdirDurable(cfg.FS, cfg.Dir); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &Journal{cfg: cfg, log: cfg.Log.Named("journal"), queue: make(chan JournalRecord, cfg.Buffer),
		done: make(chan struct{}), stop: make(chan struct{}), syncReq: make(chan chan error)}
	segs, err := segments(cfg.FS, cfg.Dir)
	if err != nil {
		return nil, err
	}
	if len(segs) > 0 {
		last := segs[len(segs)-1]
		cut, err := truncateTorn(cfg.FS, filepath.Join(cfg.Dir, last))
		if unreadable(err) {
			// Swapped for a FIFO or a link after it was listed, or grown
			// beyond any segment: kept aside, never read.
			aside, mvErr := atomicfile.MoveAside(cfg.FS, filepath.Join(cfg.Dir, last), cfg.Now())
			if mvErr != nil {
				return nil, fmt.Errorf("journal: %w; cannot move it aside: %v", err, mvErr)
			}
			j.log.Error("journal: segment refused; moved aside", zap.Error(err), zap.String("moved_to", aside))
			cut, err = 0, nil
		}
		if err != nil {
			return nil, err
		}
		if cut < 0 {
			// No intact header: left in place it would become a damaged
			// segment in the middle of the journal. One no longer than a
			// header is a power cut right after the segment was created
			// and holds no record; anything longer is kept aside.
			if err := j.dropHeaderless(filepath.Join(cfg.Dir, last)); err != nil {
				return nil, err
			}
			cut = 0
		}
		if cut > 0 {
			j.truncated = cut
			j.log.Warn("journal: truncated a torn tail (power cut mid-append?)", zap.String("segment", last), zap.Int64("bytes", cut))
		}
		fmt.Sscanf(last, "%d.seg", &j.seq)
	}
	if err := j.rotate(); err != nil {
		return nil, err
	}
	go j.run()
	return j, nil
}

func segments(fsys vfs.FS, dir string) ([]string, error) {
	entries, err := fsys.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".seg") {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

func (j *Journal) dropHeaderless(path string) error {
	fsys := j.cfg.FS
	info, err := fsys.Lstat(path)
	if err != nil {
		return err
	}
	if info.Size() <= int64(len(segmentMagic)) {
		if err := fsys.Remove(path); err != nil {
			return fmt.Errorf("journal: remove empty segment: %w", err)
		}
		j.log.Warn("journal: removed a segment cut off before its header (power cut at rotation?)", zap.String("segment", path))
		return fsys.SyncDir(j.cfg.Dir)
	}
	aside, err := atomicfile.MoveAside(fsys, path, j.cfg.Now())
	if err != nil {
		return fmt.Errorf("journal: segment %s has no valid header and cannot be moved aside: %w", path, err)
	}
	j.log.Error("journal: segment has no valid header; moved aside", zap.String("segment", path), zap.String("moved_to", aside))
	return nil
}

// truncateTorn cuts a segment after its last intact record and returns
// how many bytes it removed, or -1 when not even the segment's header is
// intact (the caller removes the segment then).
func truncateTorn(fsys vfs.FS, path string) (int64, error) {
	b, err := fsys.ReadFile(path, maxSegmentBytes)
	if err != nil {
		return 0, err
	}
	if !bytes.HasPrefix(b, []byte(segmentMagic)) {
		return -1, nil
	}
	good := int64(len(segmentMagic))
	for {
		_, n, err := parseRecord(b[good:])
		if err != nil {
			break
		}
		good += int64(n)
	}
	cut := int64(len(b)) - good
	if cut == 0 {
		return 0, nil
	}
	if err := fsys.Truncate(path, good); err != nil {
		return 0, fmt.Errorf("journal: truncate %s: %w", path, err)
	}
	return cut, nil
}

// Record queues something a driver received (kind RecordInput) or sent
// (RecordCommand). data is copied. It never blocks.
func (j *Journal) Record(source string, kind byte, data []byte) {
	j.RecordAt(j.cfg.Now(), source, kind, data)
}

// RecordAt is Record with the time the driver itself took (its receive
// time), so that a replay computes exactly what the live run did.
func (j *Journal) RecordAt(at time.Time, source string, kind byte, data []byte) {
	r := JournalRecord{Time: at, Tick: j.tick.Load(), Kind: kind, Source: source}
	off, _ := j.offsets.LoadOrStore(source, new(atomic.Uint64))
	r.Offset = off.(*atomic.Uint64).Add(uint64(len(data))) - uint64(len(data))
	if !j.cfg.OffsetsOnly {
		r.Data = bytes.Clone(data)
	}
	select {
	case j.queue <- r:
	default:
		j.dropped.Add(1)
	}
}

// Tick records a control tick marker (call it from a repeater or a step;
// it never blocks).
func (j *Journal) Tick(n uint64) {
	j.tick.Store(n)
	select {
	case j.queue <- JournalRecord{Time: j.cfg.Now(), Tick: n, Kind: RecordTick, Source: "tick"}:
	default:
		j.dropped.Add(1)
	}
}

func (j *Journal) run() {
	defer close(j.done)
	t := time.NewTicker(j.cfg.SyncEvery)
	defer t.Stop()
	var buf []byte
	dirty := false
	for {
		select {
		case r := <-j.queue:
			buf = appendRecord(buf[:0], r)
			if err := j.write(buf); err != nil {
				j.fail(err)
				continue
			}
			dirty = true
		case <-t.C:
			if dirty {
				if err := j.f.Sync(); err != nil {
					j.fail(err)
				}
				dirty = false
			}
		case reply := <-j.syncReq:
			j.drain(&buf)
			err := j.f.Sync()
			if err != nil {
				j.fail(err)
			}
			dirty = false
			reply <- err
		case <-j.stop:
			j.drain(&buf)
			if err := j.f.Sync(); err != nil {
				j.fail(err)
			}
			_ = j.f.Close()
			return
		}
	}
}

// drain writes every queued record.
func (j *Journal) drain(buf *[]byte) {
	for {
		select {
		case r := <-j.queue:
			*buf = appendRecord((*buf)[:0], r)
			if err := j.write(*buf); err != nil {
				j.fail(err)
			}
		default:
			return
		}
	}
}

// Sync writes every record queued before the call and makes it durable.
// The journal syncs on its own every SyncEvery; Sync is for a caller that
// must know, such as a test or a shutdown step.
func (j *Journal) Sync() error {
	reply := make(chan error, 1)
	select {
	case j.syncReq <- reply:
		return <-reply
	case <-j.done:
		return errors.New("journal: closed")
	}
}

func (j *Journal) write(b []byte) error {
	if j.size+int64(len(b)) > j.cfg.SegmentSize && j.size > int64(len(segmentMagic)) {
		if err := j.rotate(); err != nil {
			return err
		}
	}
	if _, err := j.f.Write(b); err != nil {
		return err
	}
	j.size += int64(len(b))
	j.written.Add(1)
	return nil
}

// rotate closes the current segment and starts the next, then enforces
// the size and age bounds.
func (j *Journal) rotate() error {
	if j.f != nil {
		if err := j.f.Sync(); err != nil {
			return err
		}
		j.f.Close()
	}
	j.seq++
	path := filepath.Join(j.cfg.Dir, fmt.Sprintf("%016d.seg", j.seq))
	f, err := j.cfg.FS.CreateExclusive(path)
	if err != nil {
		return fmt.Errorf("journal: new segment: %w", err)
	}
	if _, err := f.Write([]byte(segmentMagic)); err != nil {
		f.Close()
		return err
	}
	if err := j.cfg.FS.SyncDir(j.cfg.Dir); err != nil {
		f.Close()
		return err
	}
	j.f, j.size = f, int64(len(segmentMagic))
	if j.seq > 1 && j.cfg.OnRotate != nil {
		j.cfg.OnRotate()
	}
	return j.enforceBounds()
}

func (j *Journal) enforceBounds() error {
	segs, err := segments(j.cfg.FS, j.cfg.Dir)
	if err != nil {
		return err
	}
	var total int64
	infos := make([]fs.FileInfo, len(segs))
	for i, s := range segs {
		if infos[i], err = j.cfg.FS.Lstat(filepath.Join(j.cfg.Dir, s)); err != nil {
			return err
		}
		total += infos[i].Size()
	}
	now := j.cfg.Now()
	for i := 0; i < len(segs)-1; i++ { // never the current one
		if total <= j.cfg.MaxBytes && now.Sub(infos[i].ModTime()) <= j.cfg.MaxAge {
			break
		}
		if err := j.cfg.FS.Remove(filepath.Join(j.cfg.Dir, segs[i])); err != nil {
			return err
		}
		total -= infos[i].Size()
	}
	return nil
}

func (j *Journal) fail(err error) {
	s := err.Error()
	j.lastErr.Store(&s)
	j.log.Error("journal write failed", zap.Error(err))
}

// Close writes what is queued, syncs and closes the segment.
func (j *Journal) Close() error {
	j.closeOnce.Do(func() { close(j.stop) })
	<-j.done
	return nil
}

// JournalStatus is the journal's state for the API.
type JournalStatus struct {
	Dir       string `json:"dir"`
	Written   uint64 `json:"written"`
	Dropped   uint64 `json:"dropped"`
	Truncated int64  `json:"truncated_at_open"`
	LastError string `json:"last_error,omitempty"`
}

// Status reports the journal.
func (j *Journal) Status() JournalStatus {
	st := JournalStatus{Dir: j.cfg.Dir, Written: j.written.Load(), Dropped: j.dropped.Load(), Truncated: j.truncated}
	if e := j.lastErr.Load(); e != nil {
		st.LastError = *e
	}
	return st
}

// ReadJournal calls fn for every record in dir, oldest first. A torn tail
// in the newest segment ends the journal quietly (that is what a power cut
// leaves); damage anywhere else is an error naming the segment and offset.
// It never panics on garbage.
func ReadJournal(ctx context.Context, dir string, fn func(JournalRecord) error) error {
	return readJournal(ctx, vfs.OS{}, dir, fn)
}

func readJournal(ctx context.Context, fsys vfs.FS, dir string, fn func(JournalRecord) error) error {
	segs, err := segments(fsys, dir)
	if err != nil {
		return err
	}
	for i, s := range segs {
		b, err := fsys.ReadFile(filepath.Join(dir, s), maxSegmentBytes)
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(b, []byte(segmentMagic)) {
			if i == len(segs)-1 && len(b) < len(segmentMagic) {
				return nil
			}
			if bytes.HasPrefix(b, []byte("RJNL")) {
				// Ours, from a newer program: named, never guessed at.
				return fmt.Errorf("journal segment %s: %w: header %q, this program reads %q", s, ErrUnknownFormat, b[:min(len(b), len(segmentMagic))], segmentMagic)
			}
			return fmt.Errorf("journal segment %s: not a journal segment", s)
		}
		off := len(segmentMagic)
		for off < len(b) {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, n, err := parseRecord(b[off:])
			if err != nil {
				if i == len(segs)-1 {
					return nil
				}
				return fmt.Errorf("journal segment %s: damaged at offset %d: %w", s, off, err)
			}
			if err := fn(r); err != nil {
				return err
			}
			off += n
		}
	}
	return nil
}
