package journal

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap"
)

// Config configures an input journal.
type Config struct {
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
	cfg     Config
	log     *zap.Logger
	queue   chan Record
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

// Open opens the journal in cfg.Dir, truncating a torn tail left by
// a power cut mid-append, and starts a new segment.
func Open(cfg Config) (*Journal, error) {
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
	j := &Journal{cfg: cfg, log: cfg.Log.Named("journal"), queue: make(chan Record, cfg.Buffer),
		done: make(chan struct{}), stop: make(chan struct{}), syncReq: make(chan chan error)}
	segs, err := Segments(cfg.FS, cfg.Dir)
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

// Record queues something a driver received (kind RecordInput) or sent
// (RecordCommand). data is copied. It never blocks.
func (j *Journal) Record(source string, kind byte, data []byte) {
	j.RecordAt(j.cfg.Now(), source, kind, data)
}

// RecordAt is Record with the time the driver itself took (its receive
// time), so that a replay computes exactly what the live run did.
func (j *Journal) RecordAt(at time.Time, source string, kind byte, data []byte) {
	r := Record{Time: at, Tick: j.tick.Load(), Kind: kind, Source: source}
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
	case j.queue <- Record{Time: j.cfg.Now(), Tick: n, Kind: RecordTick, Source: "tick"}:
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

// Status is the journal's state for the API.
type Status struct {
	Dir       string `json:"dir"`
	Written   uint64 `json:"written"`
	Dropped   uint64 `json:"dropped"`
	Truncated int64  `json:"truncated_at_open"`
	LastError string `json:"last_error,omitempty"`
}

// Status reports the journal.
func (j *Journal) Status() Status {
	st := Status{Dir: j.cfg.Dir, Written: j.written.Load(), Dropped: j.dropped.Load(), Truncated: j.truncated}
	if e := j.lastErr.Load(); e != nil {
		st.LastError = *e
	}
	return st
}
