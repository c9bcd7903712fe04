package mirror

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap"
)

// ErrLeaseHeld refuses a second robot on a root another robot uses: their
// generations would silently overwrite each other.
var ErrLeaseHeld = errors.New("persistence root is in use by another robot")

// Config configures a Mirror.
type Config struct {
	Metadata  backend.Backend // manifests and the lease
	Snapshots backend.Backend // module states
	Robot     string
	// KeepGenerations is how many manifests (and the objects they name)
	// stay for recovery to fall back on (default 5).
	KeepGenerations int
	Host, BootID    string // default: this machine, this run
	// Backoff after a failed upload (default 1 s doubling to 5 min).
	RetryMin, RetryMax time.Duration
	Now                func() time.Time
	Log                *zap.Logger
}

// Mirror copies the store's committed state to metadata and snapshot
// storage (Pathway's split), for a fleet that keeps state in S3 or a robot
// that must restore onto a fresh disk.
//
// The local data directory is the spool: a commit is durable locally
// first, then uploaded by the mirror's own goroutine, so an unreachable
// bucket never stalls the robot and loses nothing, even across restarts
// (a module whose local file differs from the newest manifest is pending).
// Each upload writes the changed modules' objects first and the manifest
// naming them last.
type Mirror struct {
	cfg Config
	log *zap.Logger
	dir string
	fs  vfs.FS // the store's; read where dir is

	mu     sync.Mutex
	latest *Manifest // newest manifest in metadata storage
	// sinceCollect counts uploads since old generations were collected.
	sinceCollect int
	connected    bool     // lease held and latest read
	blocked      error    // uploads refused for good (lease, lost remote state)
	unrecovered  []string // keys started from defaults while the remote was unreachable
	pending      map[string]uint64
	seq          uint64
	behindSince  time.Time
	lastUpload   time.Time
	lastErr      string
	failures     int
	nextTry      time.Time
	recovered    map[string]uint64
	wake         chan struct{}
	remoteSegs   map[string]bool // journal segments in snapshot storage

	snapLoc    *Location                  // what each manifest says of snapshot storage (fixed by Config)
	hist       History                    // the store's history, or nil (history.go)
	remoteHist map[string]map[uint64]bool // history versions in snapshot storage, by key
	held       int                        // Hold calls not yet released: no upload meanwhile
	refused    []string                   // objects refused, each with why (refused.go)
}

// New prepares a mirror; it connects on first use.
func New(cfg Config) (*Mirror, error) {
	if cfg.Metadata == nil || cfg.Snapshots == nil {
		return nil, errors.New("mirror: metadata and snapshot storage are both needed")
	}
	if cfg.KeepGenerations <= 0 {
		cfg.KeepGenerations = 5
	}
	if cfg.Host == "" {
		cfg.Host = hostID()
	}
	if cfg.BootID == "" {
		cfg.BootID = bootID()
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = time.Second
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	return &Mirror{cfg: cfg, log: cfg.Log.Named("mirror"), pending: map[string]uint64{}, recovered: map[string]uint64{},
		wake: make(chan struct{}, 1), snapLoc: snapshotsLocation(cfg.Metadata, cfg.Snapshots)}, nil
}

// SegmentClosed wakes the mirror to upload a journal segment (pass it as
// journal.Config.OnRotate).
func (m *Mirror) SegmentClosed() { m.signal() }

// Wake delivers a value when there is something new to upload.
func (m *Mirror) Wake() <-chan struct{} { return m.wake }

func (m *Mirror) signal() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// MarkDiffering marks pending every local module file that differs from
// the newest manifest (committed while the remote was unreachable, before
// a restart).
func (m *Mirror) MarkDiffering(keys []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, key := range keys {
		b, err := m.localFile(key)
		if err != nil {
			continue
		}
		if m.latest == nil || m.latest.Modules[key].SHA256 != checksum(b) {
			m.markLocked(key)
		}
	}
	m.signal()
}

// Committed tells the mirror that keys were committed locally.
func (m *Mirror) Committed(keys []string) {
	m.mu.Lock()
	for _, k := range keys {
		m.markLocked(k)
	}
	m.mu.Unlock()
	m.signal()
}

func (m *Mirror) markLocked(key string) {
	m.seq++
	m.pending[key] = m.seq
	if m.behindSince.IsZero() {
		m.behindSince = m.cfg.Now()
	}
}

// NextTry is when Sync should run again after a failure (zero: at once or
// when woken).
func (m *Mirror) NextTry() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.blocked != nil || (len(m.pending) == 0 && !m.segmentsBehind(false)) {
		return time.Time{}
	}
	return m.nextTry
}

func (m *Mirror) fail(err error) {
	m.failures++
	m.lastErr = err.Error()
	backoff := m.cfg.RetryMin << min(m.failures-1, 20)
	if backoff > m.cfg.RetryMax || backoff <= 0 {
		backoff = m.cfg.RetryMax
	}
	m.nextTry = m.cfg.Now().Add(backoff)
}

// Sync uploads every pending module and a manifest naming them, then drops
// generations beyond KeepGenerations. On failure the modules stay pending
// and the next attempt waits for the backoff.
func (m *Mirror) Sync(ctx context.Context) error { return m.sync(ctx, false) }

func (m *Mirror) sync(ctx context.Context, clean bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.blocked != nil {
		return m.blocked
	}
	if m.held > 0 {
		return nil // an import is under way (Hold); Release wakes the loop
	}
	if len(m.pending) == 0 && !clean && (m.connected && !m.segmentsBehind(false)) {
		return nil
	}
	if err := m.connect(ctx); err != nil {
		m.fail(err)
		return err
	}
	err := m.uploadLocked(ctx, clean)
	if err == nil {
		err = m.uploadSegments(ctx, clean)
	}
	if err != nil {
		m.fail(err)
		m.log.Warn("upload failed; kept locally, will retry", zap.Error(err), zap.Int("pending", len(m.pending)), zap.Time("retry_at", m.nextTry))
		return err
	}
	m.failures, m.lastErr, m.nextTry = 0, "", time.Time{}
	return nil
}

// Close uploads what is pending and marks the newest manifest as a clean
// shutdown. It is bounded by ctx; what it cannot upload stays in the local
// directory and goes up at the next start.
func (m *Mirror) Close(ctx context.Context) error {
	return m.sync(ctx, true)
}

// Hold stops uploads until the returned release is called: an import
// under way holds them, so that no manifest ever names a half-applied
// import (an upload reads the local files when it runs, and the import is
// changing them). Hold waits for an upload in progress to finish, since
// that upload holds the mirror's lock: what it read is all from before.
// The modules committed meanwhile stay pending and go up together, in
// one manifest, after release.
func (m *Mirror) Hold() (release func()) {
	m.mu.Lock()
	m.held++
	m.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			m.held--
			m.mu.Unlock()
			m.signal()
		})
	}
}
