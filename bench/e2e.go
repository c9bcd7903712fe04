package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creack/pty"
	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/drivers/lizard/wire"
	"go.uber.org/zap"
	"golang.org/x/term"
)

// stamp is a value seen or sent at a time. Values carry a sequence number
// (k mod 900 + 1, in thousandths, the precision of Lizard's speed fields),
// so each sample can be matched to the line that carried it.
type stamp struct {
	v float64
	t time.Time
}

func seqValue(k int) float64 { return float64(k%900+1) / 1000 }

// stamps is a fixed-size log that a control step can append to without
// allocating or locking.
type stamps struct {
	s []stamp
	n atomic.Int64
}

func newStamps(n int) *stamps { return &stamps{s: make([]stamp, n)} }

func (l *stamps) add(v float64, t time.Time) {
	if i := l.n.Load(); int(i) < len(l.s) {
		l.s[i] = stamp{v, t}
		l.n.Store(i + 1)
	}
}

func (l *stamps) all() []stamp { return l.s[:l.n.Load()] }

// e2eStep is the control step of the end-to-end run: it notes when a new
// telemetry value first becomes visible, and commands a new speed every
// tick, noting when.
type e2eStep struct {
	drv        *lizard.Driver
	last       float64
	seen, sent *stamps
	k          int
}

func (s *e2eStep) Step(now time.Time, _ time.Duration) {
	if v := s.drv.Velocity().Linear; v != s.last {
		s.last = v
		s.seen.add(v, time.Now())
	}
	v := seqValue(s.k)
	t := time.Now()
	if trace.IsEnabled() { // bench -trace: mark the hand-off
		trace.Log(context.Background(), "e2e", "drive")
	}
	if s.drv.Drive(v, 0) == nil {
		s.sent.add(v, t)
		s.k++
	}
}

type e2eResult struct {
	toStep, toDriver, toSubscriber, toPort, toCtrl, rawOneWay dist
	lines, commands                                           int
	period                                                    time.Duration
}

// driverStamps is the driver's journal hook (lizard.Recorder): it is
// called on the driver's own goroutines right after the reader has
// decoded and published a line, and right after the writer has written a
// command to the port, so it times those moments without a goroutine of
// ours in between.
type driverStamps struct {
	mu               sync.Mutex // the writer, and Stop's last zero speed
	handled, written *stamps
}

func (r *driverStamps) RecordAt(_ time.Time, _ string, kind byte, data []byte) {
	t := time.Now()
	payload, err := wire.ParseLine(data)
	if err != nil {
		return
	}
	switch kind {
	case lizard.RecordInput:
		if v, ok := coreSpeedOf(data); ok {
			r.handled.add(v, t)
		}
	case lizard.RecordCommand:
		if v, ok := speedOf(string(payload)); ok {
			if trace.IsEnabled() {
				trace.Log(context.Background(), "e2e", "written")
			}
			r.mu.Lock()
			r.written.add(v, t)
			r.mu.Unlock()
		}
	}
}

// coreSpeedOf is the linear speed of a checksummed core line.
func coreSpeedOf(line []byte) (float64, bool) {
	payload, err := wire.ParseLine(bytes.TrimRight(line, "\r\n"))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(payload))
	if len(f) < 3 || f[0] != "core" {
		return 0, false
	}
	v, err := strconv.ParseFloat(f[2], 64)
	return v, err == nil
}

// speedOf is the linear speed of a wheels.speed command.
func speedOf(cmd string) (float64, bool) {
	a, ok := strings.CutPrefix(cmd, "wheels.speed(")
	if !ok {
		return 0, false
	}
	lin, _, _ := strings.Cut(a, ",")
	v, err := strconv.ParseFloat(lin, 64)
	return v, err == nil
}

// endToEnd runs the control loop at period for d with the Lizard driver
// and a simulated controller that sends no telemetry of its own (Mute):
// the benchmark makes it send a core line every 5–15 ms whose speed is a
// sequence number, and matches what the step sees and what the
// controller receives to what was sent. Intermediate points are timed on
// the goroutine where they happen (the driver's journal hook, the
// controller's Observe hook): a goroutine of the benchmark's own, woken by
// a channel, would add its own wake-up to the figure.
func endToEnd(ctx context.Context, dir string, period, d time.Duration) (e2eResult, error) {
	res := e2eResult{period: period}
	n := int(d/period) + 100
	lines := int(d/(5*time.Millisecond)) + 100
	injected, subscribed, received := newStamps(lines), newStamps(lines), newStamps(n)
	ds := &driverStamps{handled: newStamps(lines), written: newStamps(n)}
	link := lizardtest.TempLink(dir)
	ctrl, err := lizardtest.Start(lizardtest.Config{Link: link, Mute: true,
		Observe: func(cmd string, at time.Time) {
			if v, ok := speedOf(cmd); ok {
				received.add(v, at)
			}
		},
		ObserveSent: func(line []byte, at time.Time) {
			if v, ok := coreSpeedOf(line); ok {
				injected.add(v, at)
			}
		}})
	if err != nil {
		return res, err
	}
	defer ctrl.Close()
	drv, err := lizard.New(lizard.Config{Port: link, Log: zap.NewNop(), Journal: ds})
	if err != nil {
		return res, err
	}
	if err := drv.Start(ctx); err != nil {
		return res, err
	}
	defer drv.Stop(context.Background())
	step := &e2eStep{drv: drv, seen: newStamps(lines), sent: newStamps(n)}

	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); wg.Wait() }()
	vel, stopVel := drv.SubscribeVelocity(256)
	defer stopVel()
	wg.Add(2)
	go func() { // a subscriber of the driver's velocity
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case v := <-vel:
				subscribed.add(v.Linear, time.Now())
			}
		}
	}()
	start := time.Now()
	go func() { // the controller writing telemetry every 10 ms on average
		defer wg.Done()
		// A random gap of 5–15 ms: a fixed 10 ms would lock the lines'
		// phase to the control loop's and measure one fixed offset.
		rng := rand.New(rand.NewPCG(1, 2))
		t := time.NewTimer(10 * time.Millisecond)
		defer t.Stop()
		for k := 0; ; k++ {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				t.Reset(5*time.Millisecond + time.Duration(rng.Int64N(int64(10*time.Millisecond))))
				line := fmt.Sprintf("core %d %.3f 0.000 false", now.Sub(start).Milliseconds(), seqValue(k))
				if ctrl.Send(line) != nil { // timed by ObserveSent as it is written
					return
				}
			}
		}
	}()
	r := rosys.New(rosys.Config{Name: "e2e", ControlPeriod: period, Log: zap.NewNop()})
	if err := r.Add("e2e", step); err != nil {
		return res, err
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	time.Sleep(d) // the measurement window
	stop()
	if err := <-done; err != nil {
		return res, err
	}
	cancel()
	wg.Wait()
	ds.mu.Lock()
	written := append([]stamp(nil), ds.written.all()...)
	ds.mu.Unlock()
	res.toStep = summarise(match(injected.all(), step.seen.all()))
	res.toDriver = summarise(match(injected.all(), ds.handled.all()))
	res.toSubscriber = summarise(match(injected.all(), subscribed.all()))
	res.toPort = summarise(match(step.sent.all(), written))
	res.toCtrl = summarise(match(step.sent.all(), received.all()))
	res.lines, res.commands = len(injected.all()), len(step.sent.all())
	if res.toStep.N == 0 || res.toCtrl.N == 0 {
		return res, fmt.Errorf("end-to-end: %d telemetry lines and %d commands matched nothing (seen %d, received %d)",
			res.lines, res.commands, len(step.seen.all()), len(received.all()))
	}
	raw, err := rawPtyOneWay(min(res.lines, 1000))
	if err != nil {
		return res, err
	}
	res.rawOneWay = summarise(raw)
	return res, nil
}

// match pairs each observation with the earliest unmatched send of the
// same value before it, in order; sends never observed (a speed the
// driver replaced before writing it, a value the step never looked at)
// are skipped. Values repeat every 900 sends, far more than are ever lost
// in a row.
func match(sent, seen []stamp) []time.Duration {
	var out []time.Duration
	i := 0
	for _, o := range seen {
		for j := i; j < len(sent) && j < i+900; j++ {
			if sent[j].v == o.v && !sent[j].t.After(o.t) {
				out = append(out, o.t.Sub(sent[j].t))
				i = j + 1
				break
			}
		}
	}
	return out
}

// rawPtyOneWay is the baseline: n lines of the same length written to one
// side of a raw pty pair every 10 ms, timed until the other side has read
// them, with no protocol, checksum or driver.
func rawPtyOneWay(n int) ([]time.Duration, error) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return nil, err
	}
	defer ptmx.Close()
	defer tty.Close()
	for _, f := range []int{int(tty.Fd()), int(ptmx.Fd())} {
		if _, err := term.MakeRaw(f); err != nil {
			return nil, err
		}
	}
	got := make(chan time.Time, 16)
	go func() {
		r := bufio.NewReader(tty)
		for {
			if _, err := r.ReadString('\n'); err != nil {
				close(got)
				return
			}
			got <- time.Now()
		}
	}()
	line := []byte(string(wire.AppendLine(nil, "core 12345 0.123 0.000 false")))
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	var out []time.Duration
	for range n {
		<-t.C
		start := time.Now()
		if _, err := ptmx.Write(line); err != nil {
			return nil, err
		}
		at, ok := <-got
		if !ok {
			return nil, fmt.Errorf("raw pty closed")
		}
		out = append(out, at.Sub(start))
	}
	return out, nil
}
