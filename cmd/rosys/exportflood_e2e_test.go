package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// An export takes the store's write lock (it flushes every module, then
// reads one consistent state) and so does the commit that makes a press
// of the soft e-stop durable before it is answered. Before, every export
// request queued on that lock at once: 300 clients on loopback asking for
// exports as fast as they could (an operator's class when no token is
// set) kept the e-stop's answer waiting 1 to 3 s. Exports now take turns
// outside the lock, so a press waits for one export at most.
func TestEStopAnsweredDuringAnExportFloodRealBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 300 clients' exports against the real binary")
	}
	p := startRosys(t, "--data-dir", t.TempDir())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var served atomic.Int64
	const flooders = 300
	for range flooders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+p.addr+"/api/export", nil)
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					served.Add(1)
				}
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	for deadline := time.Now().Add(60 * time.Second); served.Load() < flooders; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the flood never got going: %d exports served", served.Load())
		}
	}
	var slow []string
	for i := range 20 {
		body := `{"active": true}`
		if i%2 == 1 {
			body = `{"active": false}`
		}
		start := time.Now()
		resp, err := http.Post("http://"+p.addr+"/api/estop", "application/json", strings.NewReader(body))
		took := time.Since(start)
		if err != nil {
			t.Fatalf("press %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("press %d: %d", i, resp.StatusCode)
		}
		if took > time.Second {
			slow = append(slow, took.Round(time.Millisecond).String())
		}
	}
	t.Logf("%d exports served during the test", served.Load())
	if len(slow) > 0 {
		t.Errorf("%d of 20 presses answered after more than 1 s during %d clients' exports: %v", len(slow), flooders, slow)
	}
	cancel()
	wg.Wait()
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
