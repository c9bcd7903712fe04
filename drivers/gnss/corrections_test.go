package gnss_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/gnss"
	"github.com/gorosys/rosys/drivers/gnss/gnsstest"
	"github.com/gorosys/rosys/hardware"
)

// stuckPort is a port whose writes never return (a receiver holding
// flow control): reads deliver what the test sends.
type stuckPort struct {
	r       *io.PipeReader
	stuck   chan struct{}
	once    sync.Once
	writing chan struct{}
}

func (p *stuckPort) Read(b []byte) (int, error) { return p.r.Read(b) }
func (p *stuckPort) Write(b []byte) (int, error) {
	p.once.Do(func() { close(p.writing) })
	<-p.stuck
	return 0, errors.New("closed")
}
func (p *stuckPort) Close() error { p.r.Close(); return nil }

// A port that takes no corrections never holds up the reader: fixes keep
// coming, WriteCorrections returns at once and counts what it drops.
func TestCorrectionsNeverBlockTheReader(t *testing.T) {
	pr, pw := io.Pipe()
	port := &stuckPort{r: pr, stuck: make(chan struct{}), writing: make(chan struct{})}
	defer close(port.stuck)
	ref, _ := hardware.NewGeoReference(48.1, 11.5)
	d, err := gnss.New(gnss.Config{Port: "/dev/fake", Reference: &ref,
		Open: func(string, int) (io.ReadCloser, error) { return port, nil }})
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Start(context.Background())
	defer d.Stop(context.Background())
	fixes, unsub := d.SubscribeGNSS(16)
	defer unsub()
	cfg := gnsstest.Config{Reference: ref, Talker: "GN", Satellites: 14, HDOP: 0.7, StdDev: 0.014}
	burst := func() {
		if _, err := pw.Write(gnsstest.AppendBurst(nil, cfg, hardware.QualityRTKFixed, hardware.Pose{}, time.Now(), 0, 0, false)); err != nil {
			t.Fatal(err)
		}
	}
	burst()
	<-fixes // the port is open and read
	frame := make([]byte, 1000)
	if err := d.WriteCorrections(frame); err != nil {
		t.Fatal(err)
	}
	<-port.writing // the writer is stuck in the port's Write
	full := 0
	for range 1000 {
		start := time.Now()
		err := d.WriteCorrections(frame)
		if time.Since(start) > time.Second {
			t.Fatal("WriteCorrections waited for the port")
		}
		if errors.Is(err, gnss.ErrQueueFull) {
			full++
		}
	}
	if full < 1000-128 {
		t.Fatalf("%d of 1000 writes refused as queue full; the queue holds 128", full)
	}
	for range 3 {
		burst()
		select {
		case <-fixes:
		case <-time.After(10 * time.Second):
			t.Fatal("the reader stopped while the port's write is stuck")
		}
	}
	if st := d.Status(); st.CorrectionsDropped != uint64(full) || st.CorrectionBytes != 0 {
		t.Fatalf("status: %d dropped, %d bytes", st.CorrectionsDropped, st.CorrectionBytes)
	}
}

func TestGPSDSourceTakesNoCorrections(t *testing.T) {
	d, err := gnss.New(gnss.Config{GPSD: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WriteCorrections([]byte{0xD3}); !errors.Is(err, gnss.ErrNoWritePath) {
		t.Fatal(err)
	}
}
