package persistencetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gorosys/rosys/internal/testtool"
	"github.com/gorosys/rosys/persistence/backend/s3"
)

// S3Server is a real S3 server (versitygw, `go install
// github.com/versity/versitygw/cmd/versitygw@v1.8.0`) on loopback, serving
// a directory, for tests of the S3 backend.
type S3Server struct {
	t         testing.TB
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
	dir       string
	proc      *Versitygw
}

// VersitygwPath finds the binary: $PATH, then $GOPATH/bin.
func VersitygwPath() string {
	if p := testtool.Versitygw.Path(); p != "" {
		return p
	}
	return testtool.Versitygw.Paths[0]
}

// StartS3 starts versitygw with one bucket and stops it when the test ends.
// Without the binary the test is skipped, except under CI, which must
// install it (testtool).
func StartS3(t testing.TB) *S3Server {
	t.Helper()
	testtool.Require(t, testtool.Versitygw)
	s := &S3Server{t: t, AccessKey: "rosys-test", SecretKey: "rosys-test-secret", Bucket: "fleet", dir: t.TempDir()}
	// Pick a free port; versitygw needs a fixed one to restart on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Endpoint = l.Addr().String()
	l.Close()
	s.Start()
	t.Cleanup(s.Stop)
	b, err := s3.New("", s.Settings())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Client().CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: &s.Bucket}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return s
}

// Settings connect to the server's bucket.
func (s *S3Server) Settings() s3.Settings {
	return s3.Settings{Bucket: s.Bucket, Endpoint: s.Endpoint, AccessKey: s.AccessKey, SecretKey: s.SecretKey, PathStyle: true, Timeout: 10 * time.Second}
}

// Start (re)starts the server on the same port and data; it returns once
// the server says it listens.
func (s *S3Server) Start() {
	s.t.Helper()
	p, err := StartVersitygw(s.Endpoint, s.dir, s.AccessKey, s.SecretKey)
	if err != nil {
		s.t.Fatal(err)
	}
	s.proc = p
}

// Stop stops the server (its data stays for Start).
func (s *S3Server) Stop() {
	if s.proc == nil {
		return
	}
	s.proc.Stop()
	s.proc = nil
}

// Versitygw is a running versitygw process. Outside tests (the benchmarks)
// use it directly; tests use StartS3.
type Versitygw struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartVersitygw starts versitygw on addr (host:port) serving dir, with the
// given root credentials, and returns once it says it listens.
func StartVersitygw(addr, dir, accessKey, secretKey string) (*Versitygw, error) {
	cmd := exec.Command(VersitygwPath(), "--port", addr, "posix", dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+accessKey, "ROOT_SECRET_KEY="+secretKey)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	v := &Versitygw{cmd: cmd, exited: make(chan struct{})}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		said := false
		for sc.Scan() {
			if !said && strings.Contains(sc.Text(), "listening on") {
				said = true
				close(listening)
			}
		}
		_ = cmd.Wait()
		close(v.exited)
	}()
	select {
	case <-listening:
		return v, nil
	case <-v.exited:
		return nil, errors.New("versitygw exited at start")
	case <-time.After(60 * time.Second):
		v.Stop()
		return nil, errors.New("versitygw did not start within 60 s")
	}
}

// Stop kills the server and waits for it to exit.
func (v *Versitygw) Stop() {
	_ = v.cmd.Process.Kill()
	<-v.exited
}
