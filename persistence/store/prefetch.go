package store

import (
	"runtime"
	"sync"

	"github.com/gorosys/rosys/persistence/internal/modfile"
)

// prefetchMin is the fewest modules Restore reads ahead for; a lone
// module is read on the caller's goroutine (and OS thread) as it is
// restored. Two are enough to gain: decoding one file's envelope overlaps
// the module decoding the previous one (for 10 MiB modules each is a
// second of JSON scanning).
const prefetchMin = 2

// prefetchWindow bounds how many module files Restore holds read and
// decoded ahead of the module it is restoring, per worker.
const prefetchWindow = 2

// prefetcher reads and decodes the main files of the modules to restore
// on a few goroutines, ahead of Restore, which still applies them one by
// one in registration order (module code, migrations, moving bad files
// aside and falling back to .prev all stay on Restore's goroutine). At
// start-up with thousands of small modules, reading and parsing the files
// is most of the time, and it parallelises; only the files' bytes and
// their decoded envelopes are held, at most workers×prefetchWindow at once.
type prefetcher struct {
	files []prefetched
	free  chan struct{} // one token per file that may be held
	quit  chan struct{}
	wg    sync.WaitGroup
}

// prefetched is one module's main file, read and decoded.
type prefetched struct {
	b    []byte // the file's bytes (format rosys checks them against its sidecar)
	st   modfile.Stored
	err  error
	done chan struct{}
}

// prefetch starts reading the main files of todo; nil (read as restored)
// below prefetchMin modules.
func (s *Store) prefetch(todo []*entry) *prefetcher {
	if len(todo) < prefetchMin {
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), 4)
	p := &prefetcher{
		files: make([]prefetched, len(todo)),
		free:  make(chan struct{}, workers*prefetchWindow),
		quit:  make(chan struct{}),
	}
	for i := range p.files {
		p.files[i].done = make(chan struct{})
	}
	jobs := make(chan int)
	p.wg.Add(1 + workers)
	go func() {
		defer p.wg.Done()
		defer close(jobs)
		for i := range todo {
			select {
			case p.free <- struct{}{}:
			case <-p.quit:
				return
			}
			select {
			case jobs <- i:
			case <-p.quit:
				return
			}
		}
	}()
	for range workers {
		go func() {
			defer p.wg.Done()
			for i := range jobs {
				f := &p.files[i]
				f.b, f.st, f.err = s.readStored(todo[i].key, s.Path(todo[i].key))
				close(f.done)
			}
		}()
	}
	return p
}

// get waits for file i; release must follow once it has been used. A nil
// prefetcher has nothing read ahead.
func (p *prefetcher) get(i int) *prefetched {
	if p == nil {
		return nil
	}
	f := &p.files[i]
	<-f.done
	return f
}

// release lets the next file be read and drops file i's data.
func (p *prefetcher) release(i int) {
	if p == nil {
		return
	}
	p.files[i] = prefetched{done: p.files[i].done}
	<-p.free
}

// stop ends the reading early (Restore's context ended) and waits for the
// goroutines.
func (p *prefetcher) stop() {
	if p == nil {
		return
	}
	close(p.quit)
	p.wg.Wait()
}
