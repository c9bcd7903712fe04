package deploy

import (
	"os"
	"path/filepath"
	"strings"
)

// Versions is what /api/status ("version") and `rosys version` say about
// the versions: the running binary's, and the install layout's.
type Versions struct {
	Running string `json:"running"`
	// RunningID is the install id the running binary was started from
	// (empty when it does not run from /opt/rosys/versions).
	RunningID   string        `json:"running_id,omitempty"`
	Current     string        `json:"current_id,omitempty"`
	Previous    string        `json:"previous,omitempty"`
	PreviousID  string        `json:"previous_id,omitempty"`
	LastUpdate  *UpdateRecord `json:"last_update,omitempty"`
	InstallRoot string        `json:"install_root,omitempty"`
}

// Now is v with the last update read again (bounded, a few KiB): an
// update writes its outcome after the version it started is running.
func (v Versions) Now() any {
	if v.InstallRoot != "" {
		v.LastUpdate = Layout{Root: strings.TrimSuffix(v.InstallRoot, filepath.FromSlash(Prefix))}.LastUpdate()
	}
	return v
}

// InstalledFrom finds the layout an executable runs from: its resolved
// path is <root>/opt/rosys/versions/<id>/rosys. ok is false for a binary
// run from elsewhere (go run, a build directory).
func InstalledFrom(exe string) (l Layout, id string, ok bool) {
	p, err := filepath.EvalSymlinks(exe)
	if err != nil {
		return Layout{}, "", false
	}
	dir := filepath.Dir(p)
	id = filepath.Base(dir)
	versions := filepath.Dir(dir)
	if filepath.Base(versions) != "versions" || !validID(id) {
		return Layout{}, "", false
	}
	prefix := filepath.Dir(versions) // <root>/opt/rosys
	root := filepath.Clean(prefix[:len(prefix)-len(filepath.FromSlash(Prefix))] + "/")
	if filepath.Join(root, Prefix) != prefix {
		return Layout{}, "", false
	}
	return Layout{Root: root}, id, true
}

// RunningVersions describes the running process (version is its build
// stamp). It reads a few small files once; callers keep the result.
func RunningVersions(version string) Versions {
	v := Versions{Running: version}
	exe, err := os.Executable()
	if err != nil {
		return v
	}
	l, id, ok := InstalledFrom(exe)
	if !ok {
		return v
	}
	v.RunningID, v.InstallRoot = id, l.path(Prefix)
	v.Current, _ = l.CurrentID()
	v.PreviousID, _ = l.PreviousID()
	v.Previous = l.VersionOf(v.PreviousID)
	v.LastUpdate = l.LastUpdate()
	return v
}

// LayoutVersions describes an install layout as seen from outside it
// (rosys version run from elsewhere).
func LayoutVersions(l Layout, version string) Versions {
	v := Versions{Running: version}
	v.Current, _ = l.CurrentID()
	if v.Current == "" {
		return v
	}
	v.InstallRoot = l.path(Prefix)
	v.PreviousID, _ = l.PreviousID()
	v.Previous = l.VersionOf(v.PreviousID)
	v.LastUpdate = l.LastUpdate()
	return v
}
