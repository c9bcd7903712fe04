package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/creack/pty"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/drivers/lizard/wire"
	"go.uber.org/zap"
	"golang.org/x/term"
)

// decodeRate is lines per second through the receive path (line split,
// checksum, core decode) on one goroutine, for about d.
func decodeRate(d time.Duration) (float64, int, error) {
	fields, err := wire.ParseFields(lizard.DefaultCoreFields)
	if err != nil {
		return 0, 0, err
	}
	dec := wire.NewCoreDecoder(fields)
	var stream []byte
	const lines = 10000
	for i := range lines {
		stream = wire.AppendLine(stream, fmt.Sprintf("core %d 0.512 -0.250 false", 100000+i))
	}
	lineLen := len(stream) / lines
	values := make([]float64, len(fields))
	total := 0
	start := time.Now()
	for time.Since(start) < d {
		lr := wire.NewLineReader(bytes.NewReader(stream))
		for range lines {
			l, err := lr.ReadLine()
			if err != nil {
				return 0, 0, err
			}
			p, err := wire.ParseLine(l)
			if err != nil {
				return 0, 0, err
			}
			if _, err := dec.Decode(p, values); err != nil {
				return 0, 0, err
			}
		}
		total += lines
	}
	return float64(total) / time.Since(start).Seconds(), lineLen, nil
}

// driverRoundTrip: the driver sends a command over the real pty (through
// go.bug.st/serial), the simulated controller reads it and answers, and
// the driver delivers the answer. n round trips.
func driverRoundTrip(ctx context.Context, dir string, n int) ([]time.Duration, error) {
	ctrl, err := lizardtest.Start(lizardtest.Config{Link: lizardtest.TempLink(dir), Period: 10 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	defer ctrl.Close()
	drv, err := lizard.New(lizard.Config{Port: lizardtest.TempLink(dir), Log: zap.NewNop()})
	if err != nil {
		return nil, err
	}
	ready, stopReady := drv.SubscribeReady(4)
	defer stopReady()
	if err := drv.Start(ctx); err != nil {
		return nil, err
	}
	defer drv.Stop(context.Background())
	for !drv.Ready() {
		select {
		case <-ready:
		case <-time.After(10 * time.Second):
			return nil, fmt.Errorf("the driver never became ready")
		}
	}
	recv, stopRecv := ctrl.Received(64)
	defer stopRecv()
	msgs, stopMsgs := drv.SubscribeMessages(64)
	defer stopMsgs()
	var out []time.Duration
	for i := range n {
		cmd := fmt.Sprintf("ping(%d)", i)
		start := time.Now()
		if err := drv.Send(cmd); err != nil {
			return nil, err
		}
		if err := awaitString(recv, cmd); err != nil {
			return nil, fmt.Errorf("controller: %w", err)
		}
		if err := ctrl.Send(fmt.Sprintf("pong %d", i)); err != nil {
			return nil, err
		}
		if err := awaitString(msgs, fmt.Sprintf("pong %d", i)); err != nil {
			return nil, fmt.Errorf("driver: %w", err)
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

func awaitString(ch <-chan string, want string) error {
	timeout := time.After(5 * time.Second)
	for {
		select {
		case s := <-ch:
			if s == want {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("%q did not arrive", want)
		}
	}
}

// rawPtyRoundTrip is the baseline: a line written to a raw pty and echoed
// back by the other side, with no protocol, checksum or driver.
func rawPtyRoundTrip(n int) ([]time.Duration, error) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return nil, err
	}
	defer ptmx.Close()
	defer tty.Close()
	if _, err := term.MakeRaw(int(tty.Fd())); err != nil {
		return nil, err
	}
	if _, err := term.MakeRaw(int(ptmx.Fd())); err != nil {
		return nil, err
	}
	go echo(ptmx)
	r := bufio.NewReader(tty)
	var out []time.Duration
	for i := range n {
		start := time.Now()
		if _, err := fmt.Fprintf(tty, "ping(%d)\n", i); err != nil {
			return nil, err
		}
		if _, err := r.ReadString('\n'); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

func echo(f *os.File) {
	r := bufio.NewReader(f)
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if _, err := f.WriteString("p" + l[1:]); err != nil {
			return
		}
	}
}
