package deploy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// versionTimeout bounds `BINARY version` (a wrong file must not hang an
// install; under emulation a start takes a second or two).
const versionTimeout = 15 * time.Second

// maxBinary bounds a binary copied into the layout.
const maxBinary = 512 << 20

// BinaryVersion runs `path version` and returns what follows "rosys " on
// its first line; "" when the file does not answer like rosys.
func BinaryVersion(ctx context.Context, path string) string {
	ctx, cancel := context.WithTimeout(ctx, versionTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "version")
	var out bytes.Buffer
	cmd.Stdout = &limitedWriter{w: &out, n: 4096}
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return ""
	}
	line, _, _ := strings.Cut(out.String(), "\n")
	v, ok := strings.CutPrefix(strings.TrimSpace(line), "rosys ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(v)
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		_, err := l.w.Write(p[:l.n])
		l.n = 0
		return len(p), err
	}
	l.n -= len(p)
	return l.w.Write(p)
}

// Stage copies the binary at src into the layout (versions/<id>/rosys,
// with its VERSION) unless that version is there already, and returns
// its id. The copy is written beside its place and renamed, so a
// half-copied binary never carries a version's name.
func (l Layout) Stage(ctx context.Context, src string) (string, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return "", fmt.Errorf("binary: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("binary %s is not a regular file", src)
	}
	if fi.Size() > maxBinary {
		return "", fmt.Errorf("binary %s is %d bytes, more than %d", src, fi.Size(), maxBinary)
	}
	if fi.Size() == 0 {
		return "", fmt.Errorf("binary %s is empty", src)
	}
	sum, err := fileSHA256(src)
	if err != nil {
		return "", fmt.Errorf("binary: %w", err)
	}
	version := BinaryVersion(ctx, src)
	id := versionID(version, sum)
	dst := l.Binary(id)
	if have, err := fileSHA256(dst); err == nil && bytes.Equal(have, sum) {
		return id, nil
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := copyFile(src, dst, 0o755); err != nil {
		return "", fmt.Errorf("copy %s into %s: %w", src, dir, err)
	}
	if version == "" {
		version = "unknown (the binary did not answer `version`)"
	}
	if err := writeFileAtomic(filepath.Join(dir, "VERSION"), []byte(version+"\n"), 0o644); err != nil {
		return "", err
	}
	return id, nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	b, err := io.ReadAll(io.LimitReader(in, maxBinary+1))
	if err != nil {
		return err
	}
	if len(b) > maxBinary {
		return fmt.Errorf("%s grew beyond %d bytes while copying", src, maxBinary)
	}
	return writeFileAtomic(dst, b, mode)
}
