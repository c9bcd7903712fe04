package lizard

import (
	"io"
	"runtime"
)

// yieldingReader gives up the processor before each read of the port.
// go.bug.st/serial's Read blocks in select(2) and keeps the goroutine's P
// meanwhile, so goroutines the reader has just made runnable (subscribers
// of velocity, e-stop changes, messages) wait in that P's run queue until
// another thread steals them or the runtime's sysmon takes the P back,
// which it does every 20 µs to 10 ms: traced, subscribers saw values up
// to 10 ms after the reader published them. Yielding first lets them run
// before the reader blocks. It costs a trip through the scheduler per
// read, a few hundred per second.
type yieldingReader struct{ r io.Reader }

func (y yieldingReader) Read(p []byte) (int, error) {
	runtime.Gosched()
	return y.r.Read(p)
}
