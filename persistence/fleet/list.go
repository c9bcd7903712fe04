package fleet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/mirror"
)

// Bucket is a backend at the root of the bucket (root_path "") that can
// list "directories" (s3.Backend is one).
type Bucket interface {
	backend.Backend
	Dirs(ctx context.Context, prefix string, max int) ([]string, error)
}

// Limits bound what a listing reads from the bucket.
type Limits struct {
	MaxDepth     int // levels of root_path searched (a/b/c is 3)
	MaxDirs      int // directories listed in all
	MaxManifests int // manifests of one robot
}

// DefaultLimits suit a fleet of hundreds of robots.
var DefaultLimits = Limits{MaxDepth: 4, MaxDirs: 10000, MaxManifests: 10000}

// ErrTooMany is wrapped when the bucket is larger than the Limits allow.
var ErrTooMany = errors.New("bucket over the fleet listing limits")

// Robot is one robot in the bucket, as its newest manifest describes it.
type Robot struct {
	Root          string    `json:"root"`
	Name          string    `json:"name"`
	Host          string    `json:"host,omitempty"`
	LastCommit    time.Time `json:"last_commit,omitzero"`
	Generation    uint64    `json:"generation"`
	CleanShutdown bool      `json:"clean_shutdown"`
	Modules       int       `json:"modules"`
	// MirrorLag is how long after the newest local commit it named the
	// manifest landed in the bucket: created_at − the newest module's
	// saved_at. Large means the robot's uploads were falling behind.
	MirrorLag time.Duration `json:"mirror_lag_ns"`
	// LastDailyBackup is the newest archive in <root>/backups/
	// (backup_schedule.storage: backend), or empty.
	LastDailyBackup string `json:"last_daily_backup,omitempty"`
	// Damaged says why the newest manifest cannot be read; the other
	// fields then describe the newest one that can, if any.
	Damaged string `json:"damaged,omitempty"`
	// Refused names every manifest newer than the one described that
	// was refused (damaged, foreign, a name that is no generation, a
	// generation other than its name), each with why.
	Refused []string `json:"refused,omitempty"`
}

// maxRefused bounds Robot.Refused: a hostile bucket may hold any number.
const maxRefused = 100

// Roots finds the robots' roots: the directories that hold manifests/,
// searched breadth first from the top of the bucket within lim.
func Roots(ctx context.Context, b Bucket, lim Limits) ([]string, error) {
	var roots []string
	level := []string{""}
	listed := 0
	for depth := 0; len(level) > 0 && depth <= lim.MaxDepth; depth++ {
		var next []string
		for _, p := range level {
			dirs, err := b.Dirs(ctx, p, lim.MaxDirs-listed)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrTooMany, err)
			}
			listed += len(dirs)
			if slices.Contains(dirs, p+mirror.ManifestPrefix) {
				roots = append(roots, strings.TrimSuffix(p, "/"))
				continue // a robot's own directories hold no other robots
			}
			next = append(next, dirs...)
		}
		level = next
	}
	slices.Sort(roots)
	return roots, nil
}

// join puts name under root.
func join(root, name string) string {
	if root == "" {
		return name
	}
	return root + "/" + name
}

// List describes every robot in the bucket. A robot whose manifests
// cannot be read is listed with Damaged set; the others are not affected.
func List(ctx context.Context, b Bucket, lim Limits) ([]Robot, error) {
	roots, err := Roots(ctx, b, lim)
	if err != nil {
		return nil, err
	}
	out := make([]Robot, 0, len(roots))
	for _, root := range roots {
		out = append(out, describe(ctx, b, root, lim))
	}
	return out, nil
}

// manifestNames lists a robot's manifests, oldest first.
func manifestNames(ctx context.Context, b Bucket, root string, lim Limits) ([]string, error) {
	list, err := b.List(ctx, join(root, mirror.ManifestPrefix))
	if err != nil {
		return nil, err
	}
	if len(list) > lim.MaxManifests {
		return nil, fmt.Errorf("%w: %d manifests under %s, the limit is %d", ErrTooMany, len(list), root, lim.MaxManifests)
	}
	names := make([]string, 0, len(list))
	gens := map[string]uint64{}
	for _, o := range list {
		// A name that is no generation stays in, to be named as damaged
		// when it is the newest (readManifest refuses it).
		if strings.HasSuffix(o.Name, ".json") {
			names = append(names, o.Name)
			n, err := mirror.ManifestGeneration(o.Name)
			if err != nil {
				n = math.MaxUint64
			}
			gens[o.Name] = n
		}
	}
	// By number (past 12 digits names no longer sort as numbers); names
	// that are no generation last, so that the newest-first readers try
	// them first, refuse them and name them.
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(gens[a], gens[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return names, nil
}

func describe(ctx context.Context, b Bucket, root string, lim Limits) Robot {
	r := Robot{Root: root, Name: path.Base(root)}
	if root == "" {
		r.Name = "(bucket root)"
	}
	names, err := manifestNames(ctx, b, root, lim)
	if err != nil {
		r.Damaged = err.Error()
		return r
	}
	for i, name := range slices.Backward(names) {
		man, err := readManifest(ctx, b, name)
		if err != nil {
			why := fmt.Sprintf("%s: %v", strings.TrimPrefix(name, join(root, "")), err)
			if i == len(names)-1 {
				r.Damaged = why
			}
			if len(r.Refused) < maxRefused {
				r.Refused = append(r.Refused, why)
			}
			continue
		}
		fill(&r, man)
		break
	}
	if backups, err := b.List(ctx, join(root, archive.RemoteBackupDir)); err == nil && len(backups) > 0 {
		r.LastDailyBackup = path.Base(backups[len(backups)-1].Name)
	}
	return r
}

func readManifest(ctx context.Context, b Bucket, name string) (mirror.Manifest, error) {
	data, _, err := b.Get(ctx, name)
	if err != nil {
		return mirror.Manifest{}, err
	}
	// The name must be a generation, the one the manifest says: a
	// hostile manifest claiming another is named as damaged, never used.
	return mirror.DecodeManifestAt(name, data)
}

func fill(r *Robot, man mirror.Manifest) {
	if man.Robot != "" {
		r.Name = man.Robot
	}
	r.Host, r.LastCommit, r.Generation = man.Host, man.CreatedAt, man.Generation
	r.CleanShutdown, r.Modules = man.CleanShutdown, len(man.Modules)
	var newest time.Time
	for _, e := range man.Modules {
		if e.SavedAt.After(newest) {
			newest = e.SavedAt
		}
	}
	if !newest.IsZero() && man.CreatedAt.After(newest) {
		r.MirrorLag = man.CreatedAt.Sub(newest)
	}
}
