package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/backend/s3"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

// server is a real S3 server (versitygw, as in the tests) on loopback; it
// can be stopped and started again on the same address and data.
type server struct {
	addr, dir string
	proc      *persistencetest.Versitygw
}

func (v *server) start() error {
	if _, err := os.Stat(persistencetest.VersitygwPath()); err != nil {
		return fmt.Errorf("versitygw not installed (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0): %v", err)
	}
	p, err := persistencetest.StartVersitygw(v.addr, v.dir, "bench", "bench-secret")
	v.proc = p
	return err
}

func (v *server) stop() {
	if v.proc != nil {
		v.proc.Stop()
		v.proc = nil
	}
}

func (v *server) settings() s3.Settings {
	return s3.Settings{Bucket: "fleet", Endpoint: v.addr, AccessKey: "bench", SecretKey: "bench-secret", PathStyle: true, Timeout: 5 * time.Second}
}

type s3Result struct {
	commit, put        time.Duration // one module of 10 KiB: mirror upload vs one raw PUT (medians)
	bulk, bulkPut      time.Duration // 100 modules of 64 KiB
	bulkBytes          int
	localUp, localDown time.Duration // local commit latency with the server up, and down
	backlog            int           // modules pending after the commits while down
	drain              time.Duration // upload of the backlog once the server is back
}

func measureS3(ctx context.Context, root string, reps int) (s3Result, error) {
	var res s3Result
	dir, err := os.MkdirTemp(root, "s3-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	srv := &server{addr: l.Addr().String(), dir: filepath.Join(dir, "server")}
	l.Close()
	os.MkdirAll(srv.dir, 0o755)
	if err := srv.start(); err != nil {
		return res, err
	}
	defer srv.stop()
	admin, err := s3.New("", srv.settings())
	if err != nil {
		return res, err
	}
	bucket := "fleet"
	if _, err := admin.Client().CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return res, err
	}
	b, err := s3.New("robots/bench", srv.settings())
	if err != nil {
		return res, err
	}
	m, err := mirror.New(mirror.Config{Metadata: b, Snapshots: b, Robot: "bench", RetryMin: time.Millisecond, RetryMax: time.Millisecond})
	if err != nil {
		return res, err
	}
	store, vals, err := registerModules(filepath.Join(dir, "data"), 100, 64<<10, store.WithMirror(m))
	if err != nil {
		return res, err
	}
	defer store.Close()
	small := persistence.NewValue(blob{Text: strings.Repeat("y", 10<<10)})
	if err := store.Register("small", small); err != nil {
		return res, err
	}
	if err := store.Restore(ctx); err != nil {
		return res, err
	}
	if _, err := commitTime(store, vals); err != nil {
		return res, err
	}
	if err := m.Sync(ctx); err != nil {
		return res, err
	}
	raw := func(name string, data []byte) error {
		key := "raw/" + name
		_, err := admin.Client().PutObject(ctx, &awss3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data)})
		return err
	}
	smallFile := make([]byte, 10<<10+120)
	var commits, puts, locals []time.Duration
	for i := range reps * 5 {
		small.Set(blob{Text: strings.Repeat(string(rune('a'+i%26)), 10<<10)})
		d, err := commitTime(store, nil)
		if err != nil {
			return res, err
		}
		locals = append(locals, d)
		start := time.Now()
		if err := m.Sync(ctx); err != nil {
			return res, err
		}
		commits = append(commits, time.Since(start))
		start = time.Now()
		if err := raw(fmt.Sprint("small-", i), smallFile); err != nil {
			return res, err
		}
		puts = append(puts, time.Since(start))
	}
	res.commit, res.put, res.localUp = median(commits), median(puts), median(locals)

	info, _ := os.Stat(store.Path("m00000"))
	res.bulkBytes = 100 * int(info.Size())
	bulkFile := make([]byte, info.Size())
	var bulks, bulkPuts []time.Duration
	for range reps {
		if _, err := commitTime(store, vals); err != nil {
			return res, err
		}
		start := time.Now()
		if err := m.Sync(ctx); err != nil {
			return res, err
		}
		bulks = append(bulks, time.Since(start))
		start = time.Now()
		for i := range 100 {
			if err := raw(fmt.Sprint("bulk-", i), bulkFile); err != nil {
				return res, err
			}
		}
		bulkPuts = append(bulkPuts, time.Since(start))
	}
	res.bulk, res.bulkPut = median(bulks), median(bulkPuts)

	// The server goes away: local commits go on at their own pace and the
	// changes wait in the mirror's backlog.
	srv.stop()
	var downs []time.Duration
	for i := range 20 {
		for _, v := range vals[i*5 : i*5+5] {
			v.Set(blob{Text: strings.Repeat(string(rune('a'+i)), 64<<10)})
		}
		d, err := commitTime(store, nil)
		if err != nil {
			return res, err
		}
		downs = append(downs, d)
		sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_ = m.Sync(sctx) // fails: the server is down
		cancel()
	}
	res.localDown = median(downs)
	res.backlog = len(m.Status().Pending)
	if err := srv.start(); err != nil {
		return res, err
	}
	start := time.Now()
	for {
		if err := m.Sync(ctx); err == nil {
			break
		}
		if time.Since(start) > time.Minute {
			return res, fmt.Errorf("backlog did not drain: %s", m.Status().LastError)
		}
	}
	res.drain = time.Since(start)
	if p := len(m.Status().Pending); p != 0 {
		return res, fmt.Errorf("%d modules still pending after the drain", p)
	}
	return res, nil
}
