// Package testtool finds the outside programs some tests run against
// (Chromium, gpsd, versitygw, python3 and its modules such as OpenCV,
// prlimit, ffmpeg, str2str). On a developer's machine a
// missing one skips the test, saying what to install; under CI (the CI
// environment variable set to a true value, as CI services and .ci/run
// do) it fails the test instead, because .ci/run installs every one of
// them and a skip there would hide that a whole class of tests never ran.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// Tool is an outside program the tests use.
type Tool struct {
	Name string
	// Paths are looked at in order after $PATH: Debian installs some
	// tools outside a normal user's PATH (/usr/sbin), Go tools land in
	// $GOPATH/bin. A Name with a slash is taken as the only path.
	Paths []string
	// Install says how to get it, in the skip or failure message.
	Install string
}

// The tools of this module's tests; .ci/run installs each of them.
var (
	Chromium = Tool{Name: "/usr/bin/chromium", Install: "apt-get install chromium"}
	GPSD     = Tool{Name: "gpsd", Paths: []string{"/usr/sbin/gpsd"}, Install: "apt-get install gpsd"}
	Python3  = Tool{Name: "/usr/bin/python3", Install: "apt-get install python3"}
	// FFmpeg plays network cameras (MJPEG over HTTP, the RTSP source's
	// publisher) and is the RTSP camera source's client.
	FFmpeg  = Tool{Name: "/usr/bin/ffmpeg", Install: "apt-get install ffmpeg"}
	Prlimit = Tool{Name: "prlimit", Paths: []string{"/usr/bin/prlimit"}, Install: "apt-get install util-linux"}
	// Str2str (RTKLIB) serves a real NTRIP caster for the NTRIP client's tests.
	Str2str = Tool{Name: "str2str", Paths: []string{"/usr/bin/str2str"}, Install: "apt-get install rtklib"}
	// Versitygw is a real S3 server for the S3 backend's tests.
	Versitygw = Tool{Name: "versitygw", Paths: []string{filepath.Join(gopath(), "bin", "versitygw")},
		Install: "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"}
)

// CI reports whether the tests run in CI: CI is set and not false ("true",
// "1", or any other non-empty value that is not a false boolean).
func CI() bool {
	v := os.Getenv("CI")
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err != nil || b
}

// Path is where the tool is, or "" when it is not installed.
func (tl Tool) Path() string {
	if filepath.IsAbs(tl.Name) {
		if executable(tl.Name) {
			return tl.Name
		}
		return ""
	}
	if p, err := exec.LookPath(tl.Name); err == nil {
		return p
	}
	for _, p := range tl.Paths {
		if executable(p) {
			return p
		}
	}
	return ""
}

// Require returns the tool's path. Without the tool it skips the test, or
// fails it under CI.
func Require(t testing.TB, tl Tool) string {
	t.Helper()
	p := tl.Path()
	if p == "" {
		Missing(t, "%s is not installed (%s)", tl.Name, tl.Install)
	}
	return p
}

// Find returns the tool's path, for a test that only does part of its
// checks with it: "" without the tool (the test logs what it left out),
// and under CI the test fails.
func Find(t testing.TB, tl Tool) string {
	t.Helper()
	p := tl.Path()
	if p == "" {
		if CI() {
			t.Fatalf("%s is not installed (%s); CI installs it (.ci/run)", tl.Name, tl.Install)
		}
		t.Logf("%s is not installed (%s): its part of the test is left out", tl.Name, tl.Install)
	}
	return p
}

// Missing skips the test for a reason that CI must not have: a missing
// tool, or a machine that cannot do what the test needs. Under CI it
// fails the test with that reason.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf("CI must run this test (.ci/run installs what it needs): "+format, args...)
	}
	t.Skipf(format, args...)
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func gopath() string {
	if p := os.Getenv("GOPATH"); p != "" {
		return filepath.SplitList(p)[0]
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go")
}
