package deploy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gorosys/rosys/internal/durable"
)

// Paths on the robot, relative to Layout.Root.
const (
	Prefix     = "/opt/rosys"
	BinLink    = "/usr/local/bin/rosys"
	UnitPath   = "/etc/systemd/system/rosys.service"
	ConfigPath = "/etc/rosys/robot.yaml"
	DataDir    = "/var/lib/rosys"
	UnitName   = "rosys.service"
	User       = "robot"
)

// maxVersionFile bounds what is read of a VERSION file or symlink.
const maxVersionFile = 256

// ErrNotInstalled is returned when the layout has no current version.
var ErrNotInstalled = errors.New("rosys is not installed here (no /opt/rosys/current): run `rosys install` first")

// Layout is the install layout below Root ("/" on a robot, a scratch
// directory in tests).
type Layout struct{ Root string }

func (l Layout) path(p string) string { return filepath.Join(l.Root, p) }

// Versions is the directory holding one directory per installed binary.
func (l Layout) Versions() string { return l.path(Prefix + "/versions") }

// Current and Previous are the symlinks naming the version that runs and
// the one before it.
func (l Layout) Current() string  { return l.path(Prefix + "/current") }
func (l Layout) Previous() string { return l.path(Prefix + "/previous") }

// Binary is the path of version id's binary.
func (l Layout) Binary(id string) string { return filepath.Join(l.Versions(), id, "rosys") }

// link reads the version id a symlink (current, previous) names; "" if
// it does not exist.
func (l Layout) link(path string) (string, error) {
	t, err := os.Readlink(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	id := filepath.Base(t)
	if filepath.Dir(t) != "versions" || !validID(id) {
		return "", fmt.Errorf("%s points at %q, not versions/<id>", path, t)
	}
	return id, nil
}

// CurrentID and PreviousID are the ids current and previous name ("" when
// absent).
func (l Layout) CurrentID() (string, error)  { return l.link(l.Current()) }
func (l Layout) PreviousID() (string, error) { return l.link(l.Previous()) }

// VersionOf is the version string recorded for id ("" if unknown).
func (l Layout) VersionOf(id string) string {
	if id == "" {
		return ""
	}
	b, err := readBounded(filepath.Join(l.Versions(), id, "VERSION"), maxVersionFile)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// setLink points name (current or previous) at versions/id atomically: a
// new symlink beside it, renamed over it, the directory fsynced.
func (l Layout) setLink(name, id string) error {
	if !validID(id) {
		return fmt.Errorf("bad version id %q", id)
	}
	tmp := name + ".new"
	_ = os.Remove(tmp)
	if err := os.Symlink(filepath.Join("versions", id), tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		return err
	}
	return durable.SyncDir(filepath.Dir(name))
}

// validID keeps ids to one harmless path element.
func validID(id string) bool {
	if id == "" || len(id) > 80 || id == "." || id == ".." {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '+') {
			return false
		}
	}
	return true
}

// versionID names a binary's directory: its version string made safe and
// short, then the first 12 hex digits of its SHA-256 (two builds with one
// version string, "dev" say, stay apart).
func versionID(version string, sum []byte) string {
	var b strings.Builder
	for _, c := range version {
		if b.Len() >= 40 {
			break
		}
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '+' || c == '-' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	v := b.String()
	if v == "" {
		v = "unknown"
	}
	return v + "-" + hex.EncodeToString(sum)[:12]
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: longer than %d bytes", path, max)
	}
	return b, nil
}

// writeFileAtomic writes data to path durably (internal/durable), making
// its directory first; a crash may leave a temporary <name>.tmp<digits>
// beside it.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return durable.WriteFile(path, data, mode, filepath.Base(path)+".tmp*")
}
