package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
)

// storeWriters is persistence's default number of concurrent writers
// (WithWriters); the raw baseline uses as many.
const storeWriters = 4

type backupCell struct {
	n, size           int
	fileBytes         int // as written, envelope included
	store, raw, naive time.Duration
	raw4              time.Duration // rawDurable with the store's 4 writers
	raw4enc           time.Duration // the same, each writer JSON-encoding its module first
	raw4over          time.Duration // rawDurable with 4 writers, each file written over a spare
	store1            time.Duration // WithWriters(1)
	selective, selAll time.Duration // 10 % of modules asking, and all
	selectiveMeasured bool
}

// openModules opens a store in dir with n modules of size bytes, restored.
func openModules(dir string, n, size int, opts ...store.Option) (*store.Store, []*persistence.Value[blob], error) {
	s, vals, err := registerModules(dir, n, size, opts...)
	if err != nil {
		return nil, nil, err
	}
	return s, vals, s.Restore(context.Background())
}

// registerModules opens a store in dir with n modules of size bytes
// registered, not yet restored (the caller may add more first).
func registerModules(dir string, n, size int, opts ...store.Option) (*store.Store, []*persistence.Value[blob], error) {
	s, err := store.Open(dir, opts...)
	if err != nil {
		return nil, nil, err
	}
	vals := make([]*persistence.Value[blob], n)
	for i := range vals {
		vals[i] = persistence.NewValue(blob{Text: strings.Repeat("x", size)})
		if err := s.Register(fmt.Sprintf("m%05d", i), vals[i]); err != nil {
			return nil, nil, err
		}
	}
	return s, vals, nil
}

// commitTime times one backup cycle in which the given modules asked.
func commitTime(s *store.Store, vals []*persistence.Value[blob]) (time.Duration, error) {
	for _, v := range vals {
		v.RequestBackup()
	}
	start := time.Now()
	err := s.BackupRequested(context.Background())
	return time.Since(start), err
}

// warmUpCycles is how many cycles bring a store to steady state: files,
// their .prev, and a spare to write over.
const warmUpCycles = 3

func warmUp(s *store.Store, vals []*persistence.Value[blob]) error {
	for range warmUpCycles {
		if _, err := commitTime(s, vals); err != nil {
			return err
		}
	}
	return nil
}

// rawDurable writes n files of data with the minimal durable sequence:
// temporary file, write, fsync, close, rename, and one fsync of the
// directory for the batch (what the store promises, with nothing else),
// on the given number of goroutines at once, as the store's writers.
func rawDurable(dir string, n int, data []byte, writers int) (time.Duration, error) {
	return rawDurableFunc(dir, n, func(int) ([]byte, error) { return data, nil }, writers, rawWrite)
}

// rawDurableEncoded is rawDurable with each writer encoding its module's
// value with json.Marshal first: the floor for a store that must encode,
// so that store / this is what the store's machinery beyond the encoding
// itself costs.
func rawDurableEncoded(dir string, vals []*persistence.Value[blob], writers int) (time.Duration, error) {
	return rawDurableFunc(dir, len(vals), func(i int) ([]byte, error) { return json.Marshal(vals[i].Get()) }, writers, rawWrite)
}

func rawDurableFunc(dir string, n int, data func(i int) ([]byte, error), writers int, write func(dir string, i int, b []byte) error) (time.Duration, error) {
	start := time.Now()
	next := make(chan int)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				b, err := data(i)
				if err == nil {
					err = write(dir, i, b)
				}
				if err != nil {
					errs <- err
					for range next {
					}
					return
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	d, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	err = d.Sync()
	return time.Since(start), err
}

// overwriter is the raw sequence as the store writes when it keeps no
// history: each file is written over a spare of its own (a file already
// allocated, so nothing is allocated and nothing freed: on a file system
// mounted with -o discard every freed block is discarded before the next
// journal commit), and the generation the rename replaces becomes the
// next spare through a hard link. The two spare names alternate.
type overwriter struct {
	dir string
	n   int
	gen int
}

func (o *overwriter) spare(i, gen int) string {
	return filepath.Join(o.dir, fmt.Sprintf("o%05d.spare%d", i, gen%2))
}

func (o *overwriter) target(i int) string { return filepath.Join(o.dir, fmt.Sprintf("o%05d.json", i)) }

// newOverwriter creates the files and their first spares with data.
func newOverwriter(dir string, n int, data []byte) (*overwriter, error) {
	o := &overwriter{dir: dir, n: n}
	for i := range n {
		for _, p := range []string{o.target(i), o.spare(i, 0)} {
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return nil, err
			}
		}
	}
	return o, nil
}

// cycle writes every file once with data, on writers goroutines, and
// syncs the directory.
func (o *overwriter) cycle(data []byte, writers int) (time.Duration, error) {
	gen := o.gen
	o.gen++
	return rawDurableFunc(o.dir, o.n, func(int) ([]byte, error) { return data, nil }, writers, func(_ string, i int, b []byte) error {
		spare, next := o.spare(i, gen), o.spare(i, gen+1)
		f, err := os.OpenFile(spare, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if _, err := f.Write(b); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Link(o.target(i), next); err != nil {
			return err
		}
		return os.Rename(spare, o.target(i))
	})
}

func rawWrite(dir string, i int, data []byte) error {
	f, err := os.CreateTemp(dir, "tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dir, fmt.Sprintf("r%05d.json", i)))
}

// naive encodes and writes each file in place with no fsync: what RoSys
// does today, and what a power cut can tear.
func naive(dir string, vals []*persistence.Value[blob]) (time.Duration, error) {
	start := time.Now()
	for i, v := range vals {
		b, err := json.Marshal(v.Get())
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("n%05d.json", i)), b, 0o644); err != nil {
			return 0, err
		}
	}
	took := time.Since(start)
	// Not timed: the files are flushed before the next measurement. ext4
	// starts writing back a file rewritten in place at close
	// (auto_da_alloc), so without this the naive cycle's data went to disk
	// during the store's next cycle, which followed it, and competed with
	// the store's fsyncs (up to 0.3× on the store / raw ratio of 100 × 1 MiB).
	for i := range vals {
		if err := syncFile(filepath.Join(dir, fmt.Sprintf("n%05d.json", i))); err != nil {
			return 0, err
		}
	}
	return took, nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func measureBackup(root string, n, size, reps int, selective bool) (backupCell, error) {
	c := backupCell{n: n, size: size}
	dir, err := os.MkdirTemp(root, "backup-")
	if err != nil {
		return c, err
	}
	defer os.RemoveAll(dir)
	s, vals, err := openModules(filepath.Join(dir, "store"), n, size)
	if err != nil {
		return c, err
	}
	defer s.Close()
	// Timed in steady state: the first cycle creates the files, the
	// second their .prev, the third the spare the fourth writes over
	// (without history the store writes over the generation .prev
	// replaced). The two cycles before a module has a spare allocate new
	// files; on this disk they took up to 2.2× the raw sequence for
	// 100 × 1 MiB right after a run that freed as much, and a median of
	// three repetitions then measured them instead of the steady state.
	if err := warmUp(s, vals); err != nil {
		return c, err
	}
	info, err := os.Stat(s.Path("m00000"))
	if err != nil {
		return c, err
	}
	c.fileBytes = int(info.Size())
	data := []byte(strings.Repeat("x", c.fileBytes))
	s1, vals1, err := openModules(filepath.Join(dir, "store1"), n, size, store.WithWriters(1))
	if err != nil {
		return c, err
	}
	defer s1.Close()
	if err := warmUp(s1, vals1); err != nil {
		return c, err
	}
	// The raw files go into the store's own directory (names the store
	// never uses): ext4 allocates a new file's inode in its directory's
	// block group and skips inodes freed in the last few seconds, one
	// inode-table read each (recently_deleted() in perf), so a directory in
	// a group that earlier cycles churned pays more per create. Sharing the
	// directory gives both the same group and the same churn.
	rawDir, raw1Dir, naiveDir := s.Dir(), s1.Dir(), filepath.Join(dir, "naive")
	os.Mkdir(naiveDir, 0o755)
	for _, d := range []string{rawDir, raw1Dir} {
		if _, err := rawDurable(d, n, data, 1); err != nil { // same: files exist
			return c, err
		}
	}
	over, err := newOverwriter(rawDir, n, data)
	if err != nil {
		return c, err
	}
	// Two untimed cycles, as the store's warm-up: newOverwriter's files
	// are not fsynced (ext4 allocates their blocks only at writeback or
	// fsync), and the first cycle writes into only one of the two spare
	// names, so without the second the first timed cycle would allocate
	// the blocks of the file newOverwriter made the target.
	for range 2 {
		if _, err := over.cycle(data, storeWriters); err != nil {
			return c, err
		}
	}
	var st, st1, rw, rw4, rw4e, rw4o, nv, sel, all []time.Duration
	for range reps {
		// Interleaved, so a noisy neighbour hits both alike.
		d, err := commitTime(s, vals)
		if err != nil {
			return c, err
		}
		st = append(st, d)
		if d, err = commitTime(s1, vals1); err != nil {
			return c, err
		}
		st1 = append(st1, d)
		if d, err = rawDurable(raw1Dir, n, data, 1); err != nil {
			return c, err
		}
		rw = append(rw, d)
		if d, err = rawDurable(rawDir, n, data, storeWriters); err != nil {
			return c, err
		}
		rw4 = append(rw4, d)
		if d, err = rawDurableEncoded(rawDir, vals, storeWriters); err != nil {
			return c, err
		}
		rw4e = append(rw4e, d)
		if d, err = over.cycle(data, storeWriters); err != nil {
			return c, err
		}
		rw4o = append(rw4o, d)
		if d, err = naive(naiveDir, vals); err != nil {
			return c, err
		}
		nv = append(nv, d)
		if selective {
			if d, err = commitTime(s, vals[:n/10]); err != nil {
				return c, err
			}
			sel = append(sel, d)
			if d, err = commitTime(s, vals); err != nil {
				return c, err
			}
			all = append(all, d)
		}
	}
	c.store, c.store1, c.raw, c.raw4, c.raw4enc, c.raw4over, c.naive = median(st), median(st1), median(rw), median(rw4), median(rw4e), median(rw4o), median(nv)
	if selective {
		c.selective, c.selAll, c.selectiveMeasured = median(sel), median(all), true
	}
	return c, nil
}
