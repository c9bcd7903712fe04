package archive

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gorosys/rosys/persistence/backend"
)

// RemoteBackupDir is where daily archives go in a backend (robot.yaml
// backup_schedule.storage: backend): <root>/backups/<robot>-YYYY-MM-DD.tar.gz.
// `rosys fleet list` shows the newest one per robot.
const RemoteBackupDir = "backups/"

// upload puts the day's archive into the remote backend, then deletes the
// oldest of this robot's remote archives beyond BackupCount: as locally, a
// failing upload never costs a good archive. A failure fails the day's
// backup, so Tick retries it (the local archive is simply written again).
func (s *Schedule) upload(ctx context.Context, name string, b []byte) error {
	if _, err := s.cfg.Remote.Put(ctx, RemoteBackupDir+name, b, backend.Condition{}); err != nil {
		return fmt.Errorf("upload daily backup to %s: %w", s.cfg.Remote, err)
	}
	list, err := s.cfg.Remote.List(ctx, RemoteBackupDir+s.prefix())
	if err != nil {
		return fmt.Errorf("list remote daily backups: %w", err)
	}
	var names []string
	for _, o := range list {
		rest := strings.TrimPrefix(o.Name, RemoteBackupDir)
		if strings.HasSuffix(rest, ".tar.gz") && !strings.Contains(rest, "/") {
			names = append(names, o.Name)
		}
	}
	slices.Sort(names)
	for len(names) > s.cfg.BackupCount {
		if err := s.cfg.Remote.Delete(ctx, names[0]); err != nil {
			return fmt.Errorf("rotate remote daily backups: %w", err)
		}
		names = names[1:]
	}
	return nil
}
