package replay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/storage"
	"go.uber.org/zap"
)

// Run replays the journal in o.DataDir on the robot o describes and
// reports where it ended. It returns when the replay is done or ctx ends
// (then with ctx's error).
func Run(ctx context.Context, o Options) (Summary, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	cfg, log, mode := o.Config, o.Log, o.Mode
	sum := Summary{Mode: mode, Modules: map[string]json.RawMessage{}}
	prefix := speedPrefix(cfg)
	rec, err := readRecording(ctx, o.DataDir, prefix)
	if err != nil {
		return sum, err
	}
	recs := rec.inputs
	// Replay access: the robot's stored state is read, never written.
	st, err := store.Open(o.DataDir, store.WithLogger(log), store.WithAccess(store.AccessReplay))
	if errors.Is(err, store.ErrLocked) {
		return sum, fmt.Errorf("%w: replay a copy of the data, or stop the robot", err)
	} else if err != nil {
		return sum, err
	}
	defer st.Close()
	var fields []string
	var modules []lizard.Module
	if cfg.Hardware.Lizard != nil {
		fields = cfg.Hardware.Lizard.CoreFields
		// the fields the recorded core lines carry
		if modules, err = robot.LizardModules(cfg.Hardware.Lizard.Modules, o.LizardTypes...); err != nil {
			return sum, err
		}
	}
	drv, err := lizard.New(lizard.Config{Replay: true, CoreFields: fields, Modules: modules, Log: log})
	if err != nil {
		return sum, err
	}
	var clk clock.Clock = clock.Real{}
	vc := clock.NewVirtual()
	if mode != Realtime {
		vc.Set(recs[0].Time.Add(-time.Millisecond))
		clk = vc
	}
	rt := rosys.New(rosys.Config{Name: cfg.Name, ControlPeriod: cfg.ControlPeriod.D(), Storage: storage.New(st, nil), Clock: clk,
		Log: log, DisableRealtime: true, Notifier: noNotify{}, BackupInterval: time.Hour})
	r, err := robot.Assemble(rt, robot.Hardware{Wheels: drv.Wheels(), EStop: drv.EStop(), Drivers: []robot.Driver{{Name: "lizard", V: drv}}})
	if err != nil {
		return sum, err
	}
	if o.Install != nil {
		if err := o.Install(r); err != nil {
			return sum, err
		}
	}
	// As the recorded run did: only robot.yaml starts anything by itself.
	if name := cfg.Automation.StartOnFirstRun; name != "" {
		r.StartOnFirstRun(name)
	}
	// Counts the replay's control ticks: each recorded line is fed between
	// the same two ticks as in the live run (its journal tick number).
	ticks := &tickCounter{}
	if err := rt.Add("replay_ticks", ticks); err != nil {
		return sum, err
	}
	byTick := recs[len(recs)-1].Tick > 0 // journals of a robot with its journal module
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	result := make(chan error, 1)
	go func() { result <- rt.Run(runCtx) }()
	// stopWith ends the runtime before an early return, so no goroutine
	// outlives Run and the store closes after the runtime is done with it.
	stopWith := func(err error) (Summary, error) {
		cancel()
		<-result
		return sum, err
	}
	select {
	case <-rt.Ready():
	case err := <-result:
		return sum, err
	}
	start := time.Now()
	rb := r
	for _, r := range recs {
		if ctx.Err() != nil {
			return stopWith(ctx.Err())
		}
		switch {
		case mode == Realtime:
			// The recorded pace.
			select {
			case <-time.After(time.Until(start.Add(r.Time.Sub(recs[0].Time)))):
			case <-ctx.Done():
				return stopWith(ctx.Err())
			}
		case mode == Batch:
			// All input at once: time moves only after the last record.
		case byTick:
			// The live run's tick r.Tick had begun when the line was
			// recorded, so tick r.Tick+1 was the first to see it: run
			// ticks up to r.Tick, then feed.
			want := r.Tick
			if err := vc.ForwardUntil(func() bool { return ticks.n.Load() >= want }, time.Hour); err != nil {
				return stopWith(err)
			}
		default:
			if d := r.Time.Sub(vc.Now()); d > 0 {
				if err := vc.Forward(d); err != nil {
					return stopWith(err)
				}
			}
		}
		if r.Source == robot.PoseJournalSource {
			// A pose an operator set: taken by the next tick, as live.
			if err := robot.ApplyPoseRecord(rb, r.Data); err != nil {
				log.Warn("replay: a journaled pose is unreadable; skipped", zap.Error(err))
			}
			continue
		}
		drv.Feed(r.Data, r.Time)
	}
	// The live run's control loop stopped after its last tick: what the
	// replay sends after that tick, on measurements the live run never
	// ticked on, is not compared (only the stop at shutdown is).
	compareUpTo := -1
	if byTick && mode == Speedrun && rec.lastTick > 0 {
		last := rec.lastTick
		if err := vc.ForwardUntil(func() bool { return ticks.n.Load() >= last }, time.Hour); err != nil {
			return stopWith(err)
		}
		compareUpTo = len(drv.Sent())
	}
	// Let the last measurements reach the odometer.
	switch mode {
	case Batch:
		if d := recs[len(recs)-1].Time.Sub(vc.Now()); d > 0 {
			_ = vc.Forward(d)
		}
		_ = vc.Forward(time.Second)
	case Speedrun:
		_ = vc.Forward(time.Second)
	default:
		time.Sleep(100 * time.Millisecond)
	}
	sum.Records, sum.Inputs = len(recs)+len(rec.commands), len(recs)
	sum.From, sum.To = recs[0].Time, recs[len(recs)-1].Time
	sum.FinalPose = r.Odometer.Pose()
	sum.FusedPose = r.Pose.Pose()
	if len(rec.fusion) > 0 {
		// The estimator's own inputs were journaled (hardware.gnss with a
		// journal): the fusion replays from them exactly.
		var staleAfter time.Duration // as the live robot took it
		if g := cfg.Hardware.GNSS; g != nil {
			staleAfter = g.StaleAfter.D()
		}
		if sum.FusedPose, err = replayFusion(rec.fusion, staleAfter); err != nil {
			return stopWith(err)
		}
		sum.FusionInputs = len(rec.fusion)
	}
	for _, k := range st.Keys() {
		if m, ok := st.Module(k); ok {
			sum.Modules[k], _ = json.Marshal(m.Backup())
		}
	}
	// Stop as the live run did (its last command was the safe stop),
	// then compare what was sent.
	beforeStop := len(drv.Sent())
	cancel()
	if err := <-result; err != nil {
		return sum, err
	}
	all := drv.Sent()
	if compareUpTo >= 0 {
		all = append(all[:compareUpTo:compareUpTo], all[beforeStop:]...)
	}
	var sent []string
	for _, c := range all {
		if strings.HasPrefix(c, prefix) {
			sent = append(sent, c)
		}
	}
	sum.RecordedCommands, sum.SentCommands = len(rec.commands), len(sent)
	sum.CommandsDiffer, sum.FirstDifference = compareCommands(rec.commands, sent)
	return sum, nil
}

// tickCounter counts control ticks.
type tickCounter struct{ n atomic.Uint64 }

func (c *tickCounter) Step(time.Time, time.Duration) { c.n.Add(1) }

type noNotify struct{}

func (noNotify) Notify(string) error { return nil }
