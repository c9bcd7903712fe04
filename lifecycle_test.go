package rosys_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/rosystest"
)

// journal records lifecycle events from several modules in order.
type journal struct {
	mu     sync.Mutex
	events []string
}

func (j *journal) add(e string) {
	j.mu.Lock()
	j.events = append(j.events, e)
	j.mu.Unlock()
}

func (j *journal) String() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return strings.Join(j.events, " ")
}

type part struct {
	name    string
	j       *journal
	failing bool
}

func (p *part) Start(context.Context) error {
	if p.failing {
		p.j.add("fail:" + p.name)
		return errors.New("motor controller not found")
	}
	p.j.add("start:" + p.name)
	return nil
}

func (p *part) Stop(context.Context) error { p.j.add("stop:" + p.name); return nil }

type actuator struct{ part }

func (a *actuator) SafeStop() { a.j.add("safestop:" + a.name) }

func TestStartAndStopOrder(t *testing.T) {
	j := &journal{}
	r := rosystest.New(t, rosys.Config{})
	must(t, r.Add("a", &part{name: "a", j: j}))
	must(t, r.Add("b", &actuator{part{name: "b", j: j}}, rosys.DependsOn("c")))
	must(t, r.Add("c", &part{name: "c", j: j}))
	r.OnStartup(func(context.Context) error { j.add("startup"); return nil })
	r.OnShutdown(func(context.Context) { j.add("shutdown") })
	r.Start()
	if r.State() != rosys.StateRunning {
		t.Fatalf("state %s", r.State())
	}
	must(t, r.Stop())
	want := "start:a start:c start:b startup safestop:b shutdown stop:b stop:c stop:a"
	if j.String() != want {
		t.Fatalf("events:\n got %s\nwant %s", j, want)
	}
	if r.State() != rosys.StateStopped {
		t.Fatalf("state %s", r.State())
	}
}

func TestFailedStartUnwinds(t *testing.T) {
	j := &journal{}
	r := rosystest.New(t, rosys.Config{})
	must(t, r.Add("a", &part{name: "a", j: j}))
	must(t, r.Add("b", &part{name: "b", j: j}))
	must(t, r.Add("serial", &part{name: "serial", j: j, failing: true}))
	must(t, r.Add("d", &part{name: "d", j: j}))
	err := r.StartErr()
	if err == nil || !strings.Contains(err.Error(), `"serial"`) || !strings.Contains(err.Error(), "motor controller not found") {
		t.Fatalf("Run = %v, want an error naming the module and the cause", err)
	}
	if want := "start:a start:b fail:serial stop:b stop:a"; j.String() != want {
		t.Fatalf("events:\n got %s\nwant %s", j, want)
	}
	if r.State() != rosys.StateFailed {
		t.Fatalf("state %s", r.State())
	}
}

func TestDependencyErrors(t *testing.T) {
	for name, deps := range map[string][2][]string{
		"cycle":   {{"b"}, {"a"}},
		"unknown": {{"nope"}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			j := &journal{}
			r := rosystest.New(t, rosys.Config{})
			must(t, r.Add("a", &part{name: "a", j: j}, rosys.DependsOn(deps[0]...)))
			must(t, r.Add("b", &part{name: "b", j: j}, rosys.DependsOn(deps[1]...)))
			err := r.StartErr()
			if err == nil || (name == "cycle" && !strings.Contains(err.Error(), "cycle among modules a, b")) ||
				(name == "unknown" && !strings.Contains(err.Error(), `depends on "nope"`)) {
				t.Fatalf("Run = %v", err)
			}
			if j.String() != "" {
				t.Fatalf("modules started despite the error: %s", j)
			}
		})
	}
}

func TestAddRejects(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	if err := r.Add("x", struct{}{}); err == nil || !strings.Contains(err.Error(), "implements none") {
		t.Errorf("Add(struct{}) = %v", err)
	}
	must(t, r.Add("a", &part{j: &journal{}}))
	if err := r.Add("a", &part{j: &journal{}}); err == nil {
		t.Error("duplicate name accepted")
	}
	noStore := rosys.New(rosys.Config{})
	if err := noStore.Add("m", &modelModule{}); err == nil || !strings.Contains(err.Error(), "no store") {
		t.Errorf("persistable without store = %v", err)
	}
}

func TestRepeaterSurvivesPanicsAndErrors(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	runs := 0
	r.OnRepeat("flaky", time.Second, func(context.Context) error {
		runs++
		switch runs % 3 {
		case 1:
			panic(fmt.Sprint("boom ", runs))
		case 2:
			return errors.New("sensor timeout")
		}
		return nil
	})
	r.Start()
	r.Forward(7*time.Second + 500*time.Millisecond)
	if st := r.Status().Repeaters[0]; st.LastError != "panic: boom 7" {
		t.Fatalf("after 7 runs: %+v", st)
	}
	r.Forward(2 * time.Second)
	st := r.Status().Repeaters[0]
	if runs != 9 || st.Runs != 9 || st.Panics != 3 || st.Errors != 3 || st.LastError != "sensor timeout" {
		t.Fatalf("runs %d, status %+v", runs, st)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
