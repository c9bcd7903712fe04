package mirror_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence/backend"
)

// lossy writes a manifest and then answers as if the request had been
// cancelled: what a PUT cut off by shutdown or a timeout looks like when
// the server took it all the same.
type lossy struct {
	backend.Backend
	lose int // manifests still to lose the answer of
}

func (l *lossy) Put(ctx context.Context, name string, data []byte, cond backend.Condition) (backend.Version, error) {
	v, err := l.Backend.Put(ctx, name, data, cond)
	if err == nil && l.lose > 0 && strings.HasPrefix(name, "manifests/") {
		l.lose--
		return v, context.Canceled
	}
	return v, err
}

// TestMirrorLostManifestAnswer: a manifest PUT whose answer was lost is
// not taken for another robot's at the retry (which would block the
// mirror for good and lose the clean-shutdown mark): the robot finds its
// own manifest, builds on it, and its final upload marks a clean shutdown.
func TestMirrorLostManifestAnswer(t *testing.T) {
	ctx := context.Background()
	meta := &lossy{Backend: backend.NewMemory(), lose: 1}
	snap := backend.NewMemory()
	a := startRobot(t, t.TempDir(), meta, snap, "host-a")
	a.model.Set(map[string]float64{"value": 7.5})
	a.commit(t)
	if err := a.mirror.Sync(ctx); err == nil {
		t.Fatal("the lost answer was not reported")
	}
	if err := a.mirror.Close(ctx); err != nil {
		t.Fatalf("final upload after a lost answer: %v (%+v)", err, a.mirror.Status())
	}
	if st := a.mirror.Status(); st.Blocked {
		t.Fatalf("blocked: %+v", st)
	}
	m := manifestOf(t, meta, "000000000002")
	if m["clean_shutdown"] != true || m["generation"].(float64) != 2 {
		t.Fatalf("final manifest %v", m)
	}
	if m1 := manifestOf(t, meta, "000000000001"); m1["clean_shutdown"] == true {
		t.Fatalf("generation 1 %v", m1)
	}
}
