package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gorosys/rosys/persistence/history"
)

// A damaged version never pushes good ones out of the history. Before, a
// file planted under the next version's name (3 GiB, sparse) counted
// toward max_bytes with its size on disk, and the next commit pruned
// every good version; 100 small planted files that are no versions did
// the same through keep.
// The bounds count the versions the history can serve.
func TestDamagedVersionsDoNotPruneGoodOnes(t *testing.T) {
	for _, c := range []struct {
		name  string
		plant func(hd string) error
	}{
		{"one huge file", func(hd string) error {
			return os.Truncate(mustCreate(filepath.Join(hd, "odometry@6.json")), 3<<30)
		}},
		{"a hundred files that are no versions", func(hd string) error {
			for n := 6; n < 106; n++ {
				if err := os.WriteFile(filepath.Join(hd, fmt.Sprintf("odometry@%d.json", n)), []byte("not JSON"), 0o644); err != nil {
					return err
				}
			}
			return nil
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s, v := openWithHistory(t, dir)
			for g := 1; g <= 5; g++ {
				commitGen(t, s, v, g)
			}
			s.Close()
			if err := c.plant(filepath.Join(dir, history.Dir)); err != nil {
				t.Fatal(err)
			}
			s2, v2 := openWithHistory(t, dir)
			commitGen(t, s2, v2, 6)
			vs, err := s2.History("odometry")
			if err != nil {
				t.Fatal(err)
			}
			var good []int
			for _, x := range vs {
				if x.Damaged == "" {
					_, data, err := s2.VersionData("odometry", x.Version)
					if err != nil {
						t.Fatalf("version %d: %v", x.Version, err)
					}
					good = append(good, len(data))
				}
			}
			if len(good) != 6 {
				t.Fatalf("%d good versions left after the commit, want all 6: %+v", len(good), vs)
			}
		})
	}
}

func mustCreate(p string) string {
	f, err := os.Create(p)
	if err == nil {
		f.Close()
	}
	return p
}
