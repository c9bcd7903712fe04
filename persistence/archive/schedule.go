package archive

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/internal/atomicfile"
	"github.com/gorosys/rosys/persistence/internal/modfile"
	"github.com/gorosys/rosys/persistence/vfs"
	"go.uber.org/zap"
)

// ScheduleConfig configures a daily backup, as RoSys' BackupSchedule.
type ScheduleConfig struct {
	Directory    string // where archives go (default ~/.rosys_backup)
	Hour, Minute int    // local time of day (default 03:00 when both are 0 and AtMidnight is false)
	AtMidnight   bool   // 00:00 was meant, not "unset"
	BackupCount  int    // archives kept (default 100)
	Robot        string // names the archives: <robot>-YYYY-MM-DD.tar.gz
	Location     *time.Location
	RetryAfter   time.Duration // after a failure (default 10 min)
	Log          *zap.Logger   // named "schedule" here (default: none)
	// Remote, if set (robot.yaml backup_schedule.storage: backend), gets
	// every archive too, as backups/<name>, rotated by BackupCount there.
	Remote backend.Backend
}

// Exporter writes an export archive of a store's state as one consistent
// snapshot; store.Store is one.
type Exporter interface {
	Export(ctx context.Context, w io.Writer, robot string) (Manifest, error)
}

// Schedule takes an export archive of the store every day at a set local
// time and keeps the newest BackupCount. It has no goroutine or clock of
// its own: the runtime calls Tick on its clock, so tests run days of
// schedule on virtual time.
type Schedule struct {
	store Exporter
	cfg   ScheduleConfig
	log   *zap.Logger

	mu       sync.Mutex
	last     time.Time // slot of the newest archive
	lastFile string
	lastErr  string
	failures int
	next     time.Time
}

// ScheduleStatus is the schedule's state for the API.
type ScheduleStatus struct {
	Directory   string    `json:"directory"`
	Time        string    `json:"time"`
	BackupCount int       `json:"backup_count"`
	LastBackup  time.Time `json:"last_backup,omitzero"`
	LastFile    string    `json:"last_file,omitempty"`
	Next        time.Time `json:"next,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Failures    int       `json:"failures"`
}

// NewSchedule prepares the schedule; it finds the newest archive already
// in the directory, so a restart does not take another backup for a day
// that has one.
func NewSchedule(store Exporter, cfg ScheduleConfig) (*Schedule, error) {
	if cfg.Directory == "" {
		d, err := vfs.ExpandHome("~/.rosys_backup")
		if err != nil {
			return nil, err
		}
		cfg.Directory = d
	}
	if cfg.Hour == 0 && cfg.Minute == 0 && !cfg.AtMidnight {
		cfg.Hour = 3
	}
	if cfg.Hour < 0 || cfg.Hour > 23 || cfg.Minute < 0 || cfg.Minute > 59 {
		return nil, fmt.Errorf("backup schedule: %02d:%02d is not a time of day", cfg.Hour, cfg.Minute)
	}
	if cfg.BackupCount <= 0 {
		cfg.BackupCount = 100
	}
	if cfg.Robot == "" {
		cfg.Robot = "robot"
	}
	if err := modfile.ValidateName(cfg.Robot); err != nil {
		return nil, fmt.Errorf("backup schedule: robot name names the archives: %w", err)
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 10 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	s := &Schedule{store: store, cfg: cfg, log: cfg.Log.Named("schedule")}
	if names, err := s.archives(); err == nil && len(names) > 0 {
		newest := names[len(names)-1]
		if day, err := time.ParseInLocation("2006-01-02", s.dateOf(newest), cfg.Location); err == nil {
			s.last = s.slotOn(day)
			s.lastFile = filepath.Join(cfg.Directory, newest)
		}
	}
	return s, nil
}

func (s *Schedule) prefix() string { return s.cfg.Robot + "-" }

func (s *Schedule) dateOf(name string) string {
	return strings.TrimSuffix(strings.TrimPrefix(name, s.prefix()), ".tar.gz")
}

// archives lists this robot's archives, oldest first.
func (s *Schedule) archives() ([]string, error) {
	entries, err := os.ReadDir(s.cfg.Directory)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, s.prefix()) && strings.HasSuffix(n, ".tar.gz") {
			if _, err := time.Parse("2006-01-02", s.dateOf(n)); err == nil {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// slotOn is the backup time on the given day.
func (s *Schedule) slotOn(day time.Time) time.Time {
	y, m, d := day.In(s.cfg.Location).Date()
	return time.Date(y, m, d, s.cfg.Hour, s.cfg.Minute, 0, 0, s.cfg.Location)
}

// slot is the latest backup time not after now.
func (s *Schedule) slot(now time.Time) time.Time {
	t := s.slotOn(now)
	if t.After(now) {
		t = s.slotOn(now.AddDate(0, 0, -1))
	}
	return t
}

// Tick takes the backup if one is due at now, and returns when Tick
// should run next. A backup is due when the newest archive is older than
// the latest scheduled time; so a robot that was off at 03:00 takes one
// backup soon after it starts, whatever the number of days it missed.
func (s *Schedule) Tick(ctx context.Context, now time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot := s.slot(now)
	nextSlot := s.slotOn(slot.AddDate(0, 0, 1))
	if !s.last.Before(slot) {
		s.next = nextSlot
		return s.next
	}
	file, err := s.take(ctx, slot)
	if err != nil {
		s.failures++
		s.lastErr = err.Error()
		s.log.Error("daily backup failed; will retry", zap.Error(err), zap.Duration("retry_after", s.cfg.RetryAfter))
		s.next = now.Add(s.cfg.RetryAfter)
		if s.next.After(nextSlot) {
			s.next = nextSlot
		}
		return s.next
	}
	s.last, s.lastFile, s.lastErr = slot, file, ""
	s.log.Info("daily backup written", zap.String("file", file))
	s.next = nextSlot
	return s.next
}

// take writes the archive for slot, then, and only then, deletes the
// oldest beyond BackupCount: a failing backup never costs a good one.
func (s *Schedule) take(ctx context.Context, slot time.Time) (string, error) {
	if err := atomicfile.MkdirDurable(vfs.OS{}, s.cfg.Directory); err != nil {
		return "", fmt.Errorf("backup directory: %w", err)
	}
	var buf bytes.Buffer
	if _, err := s.store.Export(ctx, &buf, s.cfg.Robot); err != nil {
		return "", err
	}
	name := s.prefix() + slot.Format("2006-01-02") + ".tar.gz"
	w := atomicfile.Writer{FS: vfs.OS{}, Dir: s.cfg.Directory}
	if err := w.Write(name, buf.Bytes()); err != nil {
		return "", err
	}
	if err := w.Sync(); err != nil {
		return "", err
	}
	if err := rotate(vfs.OS{}, s.cfg.Directory, s.prefix(), s.cfg.BackupCount); err != nil {
		return "", fmt.Errorf("rotate old backups: %w", err)
	}
	if s.cfg.Remote != nil {
		if err := s.upload(ctx, name, buf.Bytes()); err != nil {
			return "", err
		}
	}
	return filepath.Join(s.cfg.Directory, name), nil
}

// Status reports the schedule.
func (s *Schedule) Status() ScheduleStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ScheduleStatus{
		Directory: s.cfg.Directory, Time: fmt.Sprintf("%02d:%02d", s.cfg.Hour, s.cfg.Minute), BackupCount: s.cfg.BackupCount,
		LastBackup: s.last, LastFile: s.lastFile, Next: s.next, LastError: s.lastErr, Failures: s.failures,
	}
}
