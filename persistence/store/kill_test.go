package store_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorosys/rosys/internal/testexec"
	"github.com/gorosys/rosys/persistence/store"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

const (
	killHelperEnv = "ROSYS_TEST_KILL_HELPER_DIR"
	killModules   = 8
)

// counter is the state the killed writer keeps. Pad's length follows N, so
// a file that mixed two generations would not match itself.
type counter struct {
	N   int
	Pad string
}

func padFor(n int) string { return strings.Repeat(string(rune('a'+n%26)), 2000+n*37%9000) }

// TestKillHelper is the child process of TestKillDuringWrites. It restores,
// then commits ever larger counters, printing "durable N" after each commit
// returns, until it is killed.
func TestKillHelper(t *testing.T) {
	dir := os.Getenv(killHelperEnv)
	if dir == "" {
		t.Skip("child process of TestKillDuringWrites")
	}
	s, err := store.Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	var values []*persistence.Value[counter]
	for i := range killModules {
		v := persistence.NewValue(counter{})
		if err := s.Register(fmt.Sprintf("counter-%d", i), v); err != nil {
			os.Exit(3)
		}
		values = append(values, v)
	}
	_ = s.Restore(context.Background())
	n := 0
	for _, v := range values {
		n = max(n, v.Get().N)
	}
	for n++; ; n++ {
		for _, v := range values {
			v.Set(counter{N: n, Pad: padFor(n)})
		}
		if err := s.BackupRequested(context.Background()); err != nil {
			fmt.Println("error", err)
			os.Exit(3)
		}
		fmt.Println("durable", n)
	}
}

func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a crash test (make test runs it)")
	}
	kills := 50
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 7))
	durable := 0
	for i := range kills {
		cmd := testexec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), killHelperEnv+"="+dir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill right after a random number of commits: the signal lands at
		// an arbitrary point of the cycle that follows.
		target, seen, killed := 1+rng.IntN(6), 0, false
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var n int
			if _, err := fmt.Sscanf(sc.Text(), "durable %d", &n); err != nil {
				continue
			}
			if n <= durable {
				t.Fatalf("kill %d: child committed %d, but %d was already durable: state went back", i, n, durable)
			}
			durable = n
			if seen++; seen == target && !killed {
				_ = cmd.Process.Kill()
				killed = true
			}
		}
		_ = cmd.Wait()
		if !killed {
			t.Fatalf("kill %d: child ended before being killed; stderr:\n%s", i, stderr.String())
		}
		checkCounters(t, dir, durable)
	}
	// A fresh store restores every module from its own file.
	s := persistencetest.Open(t, dir)
	for i := range killModules {
		mustRegisterRestore(t, s, fmt.Sprintf("counter-%d", i), persistence.NewValue(counter{}))
	}
	for _, st := range s.Status() {
		if st.RestoredFrom != persistence.FromFile || len(st.MovedAside) != 0 {
			t.Fatalf("after %d kills: %+v", kills, st)
		}
	}
	t.Logf("%d kills, last durable commit %d", kills, durable)
}

// checkCounters asserts that every file is complete and holds a commit
// that was reported durable or the one in flight when the kill came.
func checkCounters(t *testing.T, dir string, durable int) {
	t.Helper()
	for i := range killModules {
		path := filepath.Join(dir, fmt.Sprintf("counter-%d.json", i))
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("after kill: %v", err)
		}
		var env struct{ Data counter }
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("after kill %s does not parse: %v", path, err)
		}
		n := env.Data.N
		if n < durable || n > durable+1 {
			t.Fatalf("after kill %s holds %d; durable was %d", path, n, durable)
		}
		if env.Data.Pad != padFor(n) {
			t.Fatalf("after kill %s is torn: pad does not match N=%d", path, n)
		}
	}
}
