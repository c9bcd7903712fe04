package mirror_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/backend/s3"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
)

// s3ViaProxy connects to versitygw through a fault proxy.
func s3ViaProxy(t *testing.T, srv *persistencetest.S3Server, proxy *persistencetest.FaultProxy, timeout time.Duration) backend.Backend {
	st := srv.Settings()
	st.Endpoint = proxy.Endpoint
	st.Timeout = timeout
	b, err := s3.New("robots/faults", st)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestS3FaultsLoseNothing(t *testing.T) {
	crashTest(t)
	srv := persistencetest.StartS3(t)
	proxy := persistencetest.StartFaultProxy(t, srv.Endpoint)
	b := s3ViaProxy(t, srv, proxy, 2*time.Second)
	ctx := context.Background()
	a := startRobot(t, t.TempDir(), b, b, "host-a")
	a.model.Set(map[string]float64{"value": 1})
	a.commit(t)
	if err := a.mirror.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	// 500s: the SDK retries, then the mirror keeps the change pending.
	proxy.Fault.Store(persistencetest.Fault500)
	a.model.Set(map[string]float64{"value": 2})
	a.commit(t)
	err := a.mirror.Sync(ctx)
	st := a.mirror.Status()
	if err == nil || !strings.Contains(st.LastError, "InternalError") || len(st.Pending) != 1 {
		t.Fatalf("with 500s: %v %+v", err, st)
	}

	// Slow answers beyond the request timeout: an error in bounded time.
	proxy.Fault.Store(persistencetest.FaultSlow)
	proxy.Delay.Store(int64(5 * time.Second))
	begin := time.Now()
	if err := a.mirror.Sync(ctx); err == nil {
		t.Fatal("sync succeeded through a stalled server")
	}
	t.Logf("a stalled server failed the sync after %v (2 s request timeout, SDK retries)", time.Since(begin).Round(time.Millisecond))

	// Healthy again: the backlog goes up, nothing lost.
	proxy.Fault.Store(persistencetest.FaultNone)
	if err := a.mirror.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if st := a.mirror.Status(); len(st.Pending) != 0 || st.LastError != "" {
		t.Fatalf("after recovery %+v", st)
	}
	a.store.Close()

	// Truncated downloads on a fresh disk: not restored from a broken body,
	// and uploads are held back so defaults never overwrite the bucket.
	proxy.Fault.Store(persistencetest.FaultTruncate)
	c := startRobot(t, t.TempDir(), b, b, "host-a")
	if st, _ := c.store.ModuleStatus("model"); st.RestoredFrom != persistence.FromDefaults {
		t.Fatalf("restored from %s through truncated bodies", st.RestoredFrom)
	}
	proxy.Fault.Store(persistencetest.FaultNone)
	c.commit(t)
	if err := c.mirror.Sync(ctx); err == nil || !strings.Contains(err.Error(), "could not restore") {
		t.Fatalf("uploads not held back after a failed recovery: %v", err)
	}
	c.store.Close()
	// A restart with a healthy link recovers the newest state.
	d := startRobot(t, t.TempDir(), b, b, "host-a")
	if v := d.model.Get()["value"]; v != 2 {
		t.Fatalf("recovered %v, want 2", v)
	}
}

// Wrong credentials and a clock that is off (a robot without a real-time
// clock, before NTP): every upload fails with the server's own reason in
// the status, commits stay local and pending, and once the cause is gone
// the backlog goes up.
func TestS3CredentialsAndClockSkew(t *testing.T) {
	srv := persistencetest.StartS3(t)
	proxy := persistencetest.StartFaultProxy(t, srv.Endpoint)
	ctx := context.Background()

	st := srv.Settings()
	st.SecretKey = "not-the-secret"
	wrong, err := s3.New("robots/creds", st)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a := startRobot(t, dir, wrong, wrong, "host-a")
	a.model.Set(map[string]float64{"value": 1})
	a.commit(t)
	err = a.mirror.Sync(ctx)
	ms := a.mirror.Status()
	if err == nil || !strings.Contains(ms.LastError, "SignatureDoesNotMatch") {
		t.Fatalf("wrong secret: %v, status %+v; want SignatureDoesNotMatch named", err, ms)
	}
	if v, _ := a.store.ModuleStatus("model"); v.LastError != "" || v.Saves == 0 {
		t.Fatalf("the local commit suffered from the remote failure: %+v", v)
	}
	a.store.Close()

	b := s3ViaProxy(t, srv, proxy, 2*time.Second)
	c := startRobot(t, t.TempDir(), b, b, "host-c")
	c.model.Set(map[string]float64{"value": 1})
	c.commit(t)
	if err := c.mirror.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	proxy.Skew.Store(int64(3 * time.Hour))
	proxy.Fault.Store(persistencetest.FaultSkew)
	c.model.Set(map[string]float64{"value": 2})
	c.commit(t)
	err = c.mirror.Sync(ctx)
	ms = c.mirror.Status()
	if err == nil || !strings.Contains(ms.LastError, "RequestTimeTooSkewed") || len(ms.Pending) != 1 {
		t.Fatalf("skewed clock: %v, status %+v", err, ms)
	}
	proxy.Fault.Store(persistencetest.FaultNone) // NTP has set the clock
	if err := c.mirror.Sync(ctx); err != nil {
		t.Fatalf("after the clock was set: %v", err)
	}
	if ms := c.mirror.Status(); len(ms.Pending) != 0 || ms.LastError != "" {
		t.Fatalf("after the clock was set: %+v", ms)
	}
	c.store.Close()
	d := startRobot(t, t.TempDir(), b, b, "host-c")
	if v := d.model.Get()["value"]; v != 2 {
		t.Fatalf("recovered %v after the skew, want 2", v)
	}
}

// An object larger than MaxObjectBytes is refused before its body is read
// (issue 12): a server announcing 4 GiB costs no memory and no time.
func TestS3RefusesHugeObject(t *testing.T) {
	srv := persistencetest.StartS3(t)
	proxy := persistencetest.StartFaultProxy(t, srv.Endpoint)
	b := s3ViaProxy(t, srv, proxy, 5*time.Second)
	ctx := context.Background()
	if _, err := b.Put(ctx, "manifests/000000000001.json", []byte(`{}`), backend.Condition{}); err != nil {
		t.Fatal(err)
	}
	proxy.Fault.Store(persistencetest.FaultHuge)
	_, _, err := b.Get(ctx, "manifests/000000000001.json")
	if !errors.Is(err, store.ErrTooLarge) || !strings.Contains(err.Error(), "4294967296 bytes") {
		t.Fatalf("Get = %v, want ErrTooLarge", err)
	}
	proxy.Fault.Store(persistencetest.FaultNone)
	if got, _, err := b.Get(ctx, "manifests/000000000001.json"); err != nil || string(got) != `{}` {
		t.Fatalf("after the fault: %q %v", got, err)
	}
}

// crashTest skips a crash or power-loss test under -short (make
// test-short); make test and make test-crash run it.
func crashTest(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: a crash or power-loss test (make test runs it)")
	}
}
