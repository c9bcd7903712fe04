package mirror

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// Manifest is one commit in metadata storage: which object holds each
// module's state at this generation. It is written after every object it
// names, so a manifest that exists is complete.
type Manifest struct {
	Format     string    `json:"format"`
	Generation uint64    `json:"generation"`
	Robot      string    `json:"robot"`
	Host       string    `json:"host"`
	BootID     string    `json:"boot_id"`
	CreatedAt  time.Time `json:"created_at"`
	// CleanShutdown is set on the manifest written by a final flush: the
	// run that wrote it stopped cleanly. A newest manifest without it
	// means the robot lost power or crashed.
	CleanShutdown bool                     `json:"clean_shutdown"`
	Modules       map[string]ManifestEntry `json:"modules"`
	// Snapshots says where the objects are when snapshot storage is not
	// metadata storage (the split config), so that a fleet restore, which
	// finds robots by their manifests, finds their states too. Nil: under
	// the manifest's own root.
	Snapshots *Location `json:"snapshots,omitempty"`
}

// Location is a storage's place: its bucket and root path when it is in
// S3, and how it names itself in any case.
type Location struct {
	Bucket string `json:"bucket,omitempty"`
	Root   string `json:"root,omitempty"`
	Where  string `json:"where"`
}

// Located is a backend that knows its place in a bucket (s3.Backend).
type Located interface {
	Location() (bucket, root string)
}

// snapshotsLocation is where a manifest says the snapshots are: nil when
// both storages are one.
func snapshotsLocation(meta, snaps backend.Backend) *Location {
	if meta == snaps || meta.String() == snaps.String() {
		return nil
	}
	loc := &Location{Where: snaps.String()}
	if l, ok := snaps.(Located); ok {
		loc.Bucket, loc.Root = l.Location()
	}
	return loc
}

// ManifestEntry locates one module's state.
type ManifestEntry struct {
	Object        string    `json:"object"`
	SchemaVersion int       `json:"schema_version"`
	Size          int64     `json:"size"`
	SHA256        string    `json:"sha256"`
	SavedAt       time.Time `json:"saved_at"`
}

const manifestFormat = "rosys-go-manifest/1"

func manifestName(gen uint64) string {
	return "manifests/" + history.FormatVersion(gen, objectDigits) + ".json"
}

// manifestNumber reads the generation a manifest's object name says (its
// base name: the generation in 12 or more digits, then .json), by the
// rule of history.ParseVersion: digits only, canonical, at most
// history.MaxVersion, so that the next generation never wraps.
func manifestNumber(name string) (uint64, error) {
	base, ok := strings.CutSuffix(path.Base(name), ".json")
	if !ok {
		return 0, fmt.Errorf("%w: %q is no manifest name", history.ErrBadVersion, path.Base(name))
	}
	return history.ParseVersion(base, objectDigits)
}

// decodeManifestAt decodes the manifest stored as name and checks that it
// is the generation its name says: a manifest claiming another (a huge
// one, say, that would make the next generation wrap) is refused.
func decodeManifestAt(name string, b []byte) (Manifest, error) {
	n, err := manifestNumber(name)
	if err != nil {
		return Manifest{}, err
	}
	m, err := decodeManifest(b)
	if err != nil {
		return m, err
	}
	if m.Generation != n {
		return m, fmt.Errorf("manifest %s says generation %d, its name %d", path.Base(name), m.Generation, n)
	}
	return m, nil
}
func objectName(key string, gen uint64) string {
	return fmt.Sprintf("snapshots/%s/%012d.json", key, gen)
}

func checksum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func decodeManifest(b []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return m, err
	}
	if m.Format != manifestFormat {
		if strings.HasPrefix(m.Format, modfile.FormatPrefix) {
			return m, fmt.Errorf("%w: manifest format %q, this program reads %q", modfile.ErrUnknownFormat, m.Format, manifestFormat)
		}
		return m, fmt.Errorf("format %q, want %q", m.Format, manifestFormat)
	}
	return m, nil
}

// hostID names this machine in leases: /etc/machine-id, else the host name.
func hostID() string {
	if b, err := os.ReadFile("/etc/machine-id"); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		h, _ := os.Hostname()
		return h + "/" + strings.TrimSpace(string(b))
	}
	h, _ := os.Hostname()
	return h
}

// bootID identifies this run: the kernel's boot id and our process id.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	id := strings.TrimSpace(string(b))
	if err != nil || id == "" {
		id = fmt.Sprintf("unknown-%d", time.Now().UnixNano())
	}
	return fmt.Sprintf("%s/%d", id, os.Getpid())
}
