package persistence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap"
)

// recoverTimeout bounds how long start-up waits for remote storage when
// modules have no local state.
const recoverTimeout = 15 * time.Second

// ErrLeaseHeld refuses a second robot on a root another robot uses: their
// generations would silently overwrite each other.
var ErrLeaseHeld = errors.New("persistence root is in use by another robot")

// MirrorConfig configures a Mirror.
type MirrorConfig struct {
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
	cfg MirrorConfig
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
}

// NewMirror prepares a mirror; it connects on first use.
func NewMirror(cfg MirrorConfig) (*Mirror, error) {
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
		wake: make(chan struct{}, 1)}, nil
}

// SegmentClosed wakes the mirror to upload a journal segment (pass it as
// JournalConfig.OnRotate).
func (m *Mirror) SegmentClosed() { m.signal() }

// Wake delivers a value when there is something new to upload.
func (m *Mirror) Wake() <-chan struct{} { return m.wake }

func (m *Mirror) signal() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// lease is the object in metadata storage that names the robot using the
// root.
type lease struct {
	Robot      string    `json:"robot"`
	Host       string    `json:"host"`
	BootID     string    `json:"boot_id"`
	AcquiredAt time.Time `json:"acquired_at"`
}

const leaseName = "lease.json"

// connect takes the lease and reads the newest manifest. The caller holds
// m.mu.
func (m *Mirror) connect(ctx context.Context) error {
	if m.connected {
		return nil
	}
	if m.blocked != nil {
		return m.blocked
	}
	mine, _ := json.Marshal(lease{Robot: m.cfg.Robot, Host: m.cfg.Host, BootID: m.cfg.BootID, AcquiredAt: m.cfg.Now().UTC()})
	b, ver, err := m.cfg.Metadata.Get(ctx, leaseName)
	switch {
	case errors.Is(err, backend.ErrNotFound):
		_, err = m.cfg.Metadata.Put(ctx, leaseName, mine, backend.Condition{IfAbsent: true})
	case err == nil:
		var other lease
		_ = json.Unmarshal(b, &other)
		if other.Host != m.cfg.Host || other.Robot != m.cfg.Robot {
			m.blocked = fmt.Errorf("%w: %s is used by robot %q on host %q since %s; two robots must not share a root (check the robot's name and root_path); if that robot is gone for good, delete %s there",
				ErrLeaseHeld, m.cfg.Metadata, other.Robot, other.Host, other.AcquiredAt.Format(time.RFC3339), leaseName)
			return m.blocked
		}
		// This robot, restarted: take the lease over.
		_, err = m.cfg.Metadata.Put(ctx, leaseName, mine, backend.Condition{IfMatch: ver})
	}
	if errors.Is(err, backend.ErrConflict) {
		m.blocked = fmt.Errorf("%w: %s: another robot took the lease at the same moment", ErrLeaseHeld, m.cfg.Metadata)
		return m.blocked
	} else if err != nil {
		return fmt.Errorf("take the lease on %s: %w", m.cfg.Metadata, err)
	}
	latest, err := m.newestManifest(ctx)
	if err != nil {
		return err
	}
	m.latest = latest
	segs, err := m.cfg.Snapshots.List(ctx, "journal/")
	if err != nil {
		return fmt.Errorf("list journal segments on %s: %w", m.cfg.Snapshots, err)
	}
	m.remoteSegs = map[string]bool{}
	for _, o := range segs {
		m.remoteSegs[strings.TrimPrefix(o.Name, "journal/")] = true
	}
	if latest != nil && len(m.unrecovered) > 0 {
		var lost []string
		for _, k := range m.unrecovered {
			if _, ok := latest.Modules[k]; ok {
				lost = append(lost, k)
			}
		}
		if len(lost) > 0 {
			m.blocked = fmt.Errorf("%s holds state for %v that this robot could not restore at start (the storage was unreachable); not uploading over it: restart the robot to recover it", m.cfg.Metadata, lost)
			return m.blocked
		}
	}
	m.unrecovered = nil
	m.connected = true
	if latest != nil && !latest.CleanShutdown {
		m.log.Warn("the last run did not shut down cleanly (power cut or crash)", zap.Uint64("generation", latest.Generation), zap.String("boot_id", latest.BootID))
	}
	return nil
}

// manifests lists the generations in metadata storage, oldest first.
func (m *Mirror) manifests(ctx context.Context) ([]string, error) {
	list, err := m.cfg.Metadata.List(ctx, "manifests/")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, o := range list {
		names = append(names, o.Name)
	}
	return names, nil
}

// newestManifest reads the newest manifest that decodes; a damaged one is
// logged and skipped for the one before.
func (m *Mirror) newestManifest(ctx context.Context) (*Manifest, error) {
	names, err := m.manifests(ctx)
	if err != nil {
		return nil, fmt.Errorf("list manifests on %s: %w", m.cfg.Metadata, err)
	}
	for _, name := range slices.Backward(names) {
		b, _, err := m.cfg.Metadata.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		man, err := decodeManifest(b)
		if errors.Is(err, ErrUnknownFormat) {
			// A newer program committed here: building on an older
			// manifest would write over its generations. Nothing is
			// uploaded until a program that reads it runs.
			m.blocked = fmt.Errorf("%s: %s: %w; not uploading over it", m.cfg.Metadata, name, err)
			return nil, m.blocked
		}
		if err != nil {
			m.log.Error("damaged manifest skipped", zap.String("manifest", name), zap.Error(err))
			continue
		}
		return &man, nil
	}
	return nil, nil
}

// attach tells the mirror where its store keeps the files it uploads. The
// store calls it when it opens, before any goroutine of the mirror runs.
func (m *Mirror) attach(fsys vfs.FS, dir string) { m.fs, m.dir = fsys, dir }

// recover fills in, from the newest manifest, the module files missing in
// dir. An object that is missing or fails its checksum falls back to the
// module's entry in older manifests. It returns the keys recovered.
func (m *Mirror) recover(ctx context.Context, missing []string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(missing) == 0 {
		// Nothing to fetch: start-up does not wait for the network; the
		// mirror's goroutine takes the lease before its first upload.
		return nil
	}
	// A robot on a fresh disk waits for its state, but not forever: an
	// unreachable bucket must not keep it from starting.
	ctx, cancel := context.WithTimeout(ctx, recoverTimeout)
	defer cancel()
	if err := m.connect(ctx); err != nil {
		if !errors.Is(err, ErrLeaseHeld) {
			m.unrecovered = append(m.unrecovered, missing...)
		}
		m.fail(err)
		m.log.Error("cannot recover from remote storage; modules without local state start from defaults", zap.Error(err))
		return nil
	}
	if m.latest == nil || len(missing) == 0 {
		return nil
	}
	names, _ := m.manifests(ctx)
	var got []string
	w := atomicfile.Writer{FS: m.fs, Dir: m.dir}
	for _, key := range missing {
		data, gen, err := m.fetch(ctx, key, names)
		if err != nil {
			m.log.Error("module not recovered", zap.String("module", key), zap.Error(err))
			continue
		}
		if data == nil {
			continue // the remote never had it
		}
		if err := w.Write(key+".json", data); err != nil {
			m.log.Error("write recovered module", zap.String("module", key), zap.Error(err))
			continue
		}
		m.recovered[key] = gen
		got = append(got, key)
	}
	if len(got) > 0 {
		if err := w.Sync(); err != nil {
			m.log.Error("sync recovered modules", zap.Error(err))
			return nil
		}
		m.log.Info("recovered modules from remote storage", zap.Strings("modules", got), zap.String("from", m.cfg.Snapshots.String()))
	}
	return got
}

// fetch finds the newest good state of key: newest manifest first.
func (m *Mirror) fetch(ctx context.Context, key string, names []string) ([]byte, uint64, error) {
	var lastErr error
	for _, name := range slices.Backward(names) {
		b, _, err := m.cfg.Metadata.Get(ctx, name)
		if err != nil {
			lastErr = err
			continue
		}
		man, err := decodeManifest(b)
		if err != nil {
			continue
		}
		e, ok := man.Modules[key]
		if !ok {
			if lastErr == nil && man.Generation == m.latest.Generation {
				return nil, 0, nil
			}
			continue
		}
		data, _, err := m.cfg.Snapshots.Get(ctx, e.Object)
		if err == nil && checksum(data) != e.SHA256 {
			err = fmt.Errorf("%s fails its checksum", e.Object)
		}
		if err == nil {
			_, err = modfile.Decode(key, data)
		}
		if err != nil {
			lastErr = err
			m.log.Error("damaged or missing module object; trying an older generation", zap.String("module", key), zap.Error(err))
			continue
		}
		return data, man.Generation, nil
	}
	return nil, 0, fmt.Errorf("no good state of %q in any kept generation: %v", key, lastErr)
}

// markDiffering marks pending every local module file that differs from
// the newest manifest (committed while the remote was unreachable, before
// a restart).
func (m *Mirror) markDiffering(keys []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, key := range keys {
		b, err := m.fs.ReadFile(filepath.Join(m.dir, key+".json"), backend.MaxObjectBytes)
		if err != nil {
			continue
		}
		if m.latest == nil || m.latest.Modules[key].SHA256 != checksum(b) {
			m.markLocked(key)
		}
	}
	m.signal()
}

// notify tells the mirror that keys were committed locally.
func (m *Mirror) notify(keys []string) {
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

// localSegments lists the journal segments in <dir>/journal; the newest is
// still being written unless closed.
func (m *Mirror) localSegments() []string {
	segs, err := journal.Segments(m.fs, filepath.Join(m.dir, "journal"))
	if err != nil {
		return nil
	}
	return segs
}

// segmentsBehind reports whether a closed segment is not in snapshot
// storage yet.
func (m *Mirror) segmentsBehind(includeNewest bool) bool {
	segs := m.localSegments()
	if !includeNewest && len(segs) > 0 {
		segs = segs[:len(segs)-1]
	}
	for _, s := range segs {
		if !m.remoteSegs[s] {
			return true
		}
	}
	return false
}

// uploadSegments copies closed journal segments to snapshot storage (at a
// clean shutdown the newest too, which the journal has closed by then), and
// drops remote segments the local bounds dropped.
func (m *Mirror) uploadSegments(ctx context.Context, all bool) error {
	segs := m.localSegments()
	local := map[string]bool{}
	for i, s := range segs {
		local[s] = true
		if m.remoteSegs[s] || (i == len(segs)-1 && !all) {
			continue
		}
		b, err := m.fs.ReadFile(filepath.Join(m.dir, "journal", s), journal.MaxSegmentBytes)
		if err != nil {
			return err
		}
		if _, err := m.cfg.Snapshots.Put(ctx, "journal/"+s, b, backend.Condition{}); err != nil {
			return err
		}
		m.remoteSegs[s] = true
	}
	for s := range m.remoteSegs {
		if !local[s] && len(segs) > 0 && s < segs[0] {
			if err := m.cfg.Snapshots.Delete(ctx, "journal/"+s); err != nil {
				return err
			}
			delete(m.remoteSegs, s)
		}
	}
	return nil
}

func (m *Mirror) uploadLocked(ctx context.Context, clean bool) error {
	gen := uint64(1)
	next := Manifest{Format: manifestFormat, Robot: m.cfg.Robot, Host: m.cfg.Host, BootID: m.cfg.BootID,
		CreatedAt: m.cfg.Now().UTC(), CleanShutdown: clean, Modules: map[string]ManifestEntry{}}
	if m.latest != nil {
		gen = m.latest.Generation + 1
		for k, e := range m.latest.Modules {
			next.Modules[k] = e
		}
	}
	next.Generation = gen
	seqs := map[string]uint64{}
	changed := 0
	for _, key := range slices.Sorted(maps.Keys(m.pending)) {
		seqs[key] = m.pending[key]
		b, err := m.fs.ReadFile(filepath.Join(m.dir, key+".json"), backend.MaxObjectBytes)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return err
		}
		sum := checksum(b)
		if e, ok := next.Modules[key]; ok && e.SHA256 == sum {
			continue
		}
		st, err := modfile.Decode(key, b)
		if err != nil {
			return fmt.Errorf("local file of %q: %w", key, err)
		}
		obj := objectName(key, gen)
		if _, err := m.cfg.Snapshots.Put(ctx, obj, b, backend.Condition{}); err != nil {
			return err
		}
		next.Modules[key] = ManifestEntry{Object: obj, SchemaVersion: st.SchemaVersion, Size: int64(len(b)), SHA256: sum, SavedAt: st.SavedAt}
		changed++
	}
	if changed > 0 || clean {
		// The objects are in place; only now the manifest that names them.
		mb, err := json.MarshalIndent(next, "", "  ")
		if err != nil {
			return err
		}
		if _, err := m.cfg.Metadata.Put(ctx, manifestName(gen), mb, backend.Condition{IfAbsent: true}); err != nil {
			if errors.Is(err, backend.ErrConflict) {
				m.blocked = fmt.Errorf("%w: generation %d appeared on %s while this robot was writing it", ErrLeaseHeld, gen, m.cfg.Metadata)
				return m.blocked
			}
			return err
		}
		m.latest = &next
		m.lastUpload = m.cfg.Now()
	}
	for key, s := range seqs {
		if m.pending[key] == s {
			delete(m.pending, key)
		}
	}
	if len(m.pending) == 0 {
		m.behindSince = time.Time{}
	}
	if changed > 0 {
		m.log.Debug("uploaded", zap.Uint64("generation", gen), zap.Int("modules", changed))
		// Collection lists and reads the kept manifests and lists every
		// object: done after each upload it was three quarters of an
		// upload's requests. Once per KeepGenerations uploads keeps between
		// KeepGenerations and twice that many generations.
		if m.sinceCollect++; m.sinceCollect >= m.cfg.KeepGenerations {
			if err := m.collect(ctx); err != nil {
				m.log.Warn("old generations not removed", zap.Error(err))
			} else {
				m.sinceCollect = 0
			}
		}
	}
	return nil
}

// collect deletes manifests beyond KeepGenerations and the objects only
// they named.
func (m *Mirror) collect(ctx context.Context) error {
	names, err := m.manifests(ctx)
	if err != nil || len(names) <= m.cfg.KeepGenerations {
		return err
	}
	keep := names[len(names)-m.cfg.KeepGenerations:]
	used := map[string]bool{}
	for _, name := range keep {
		b, _, err := m.cfg.Metadata.Get(ctx, name)
		if err != nil {
			return err
		}
		man, err := decodeManifest(b)
		if err != nil {
			continue
		}
		for _, e := range man.Modules {
			used[e.Object] = true
		}
	}
	for _, name := range names[:len(names)-m.cfg.KeepGenerations] {
		if err := m.cfg.Metadata.Delete(ctx, name); err != nil {
			return err
		}
	}
	objects, err := m.cfg.Snapshots.List(ctx, "snapshots/")
	if err != nil {
		return err
	}
	for _, o := range objects {
		if !used[o.Name] {
			if err := m.cfg.Snapshots.Delete(ctx, o.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close uploads what is pending and marks the newest manifest as a clean
// shutdown. It is bounded by ctx; what it cannot upload stays in the local
// directory and goes up at the next start.
func (m *Mirror) Close(ctx context.Context) error {
	return m.sync(ctx, true)
}

// MirrorStatus is the mirror's state for the API and the dashboard.
type MirrorStatus struct {
	Metadata    string    `json:"metadata"`
	Snapshots   string    `json:"snapshots"`
	Generation  uint64    `json:"generation"`
	Pending     []string  `json:"pending,omitempty"`
	BehindSince time.Time `json:"behind_since,omitzero"`
	LastUpload  time.Time `json:"last_upload,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Failures    int       `json:"failures"`
	Blocked     bool      `json:"blocked"`
	// Recovered lists the modules restored from remote storage at start,
	// with the generation they came from.
	Recovered map[string]uint64 `json:"recovered,omitempty"`
	// JournalSegments counts journal segments in snapshot storage.
	JournalSegments int `json:"journal_segments"`
}

// Status reports the mirror.
func (m *Mirror) Status() MirrorStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := MirrorStatus{Metadata: m.cfg.Metadata.String(), Snapshots: m.cfg.Snapshots.String(), BehindSince: m.behindSince,
		LastUpload: m.lastUpload, LastError: m.lastErr, Failures: m.failures, Blocked: m.blocked != nil,
		Pending: slices.Sorted(maps.Keys(m.pending)), Recovered: maps.Clone(m.recovered), JournalSegments: len(m.remoteSegs)}
	if m.latest != nil {
		st.Generation = m.latest.Generation
	}
	return st
}
