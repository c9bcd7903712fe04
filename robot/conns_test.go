package robot

import (
	"context"
	"net"
	"net/http"
	"testing"

	"go.uber.org/zap"
)

// admitN admits n fake connections and fails on any refusal or victim.
func admitN(t *testing.T, p *connPool, n int) []*poolConn {
	t.Helper()
	var out []*poolConn
	for range n {
		a, _ := net.Pipe()
		pc, victims, ok := p.admit(a)
		if !ok || len(victims) > 0 {
			t.Fatalf("admitting within the bound: ok %v, victims %d", ok, len(victims))
		}
		out = append(out, pc)
	}
	return out
}

// request puts a request of the given class in flight on pc, as the
// server's hooks and ui.WithConnClass would.
func request(p *connPool, pc *poolConn, operator bool) {
	p.connState(pc, http.StateActive)
	r, _ := http.NewRequestWithContext(p.connContext(context.Background(), pc), "GET", "/", nil)
	p.classify(r, operator)
}

func victimOf(t *testing.T, p *connPool) *poolConn {
	t.Helper()
	a, _ := net.Pipe()
	_, victims, ok := p.admit(a)
	if !ok || len(victims) != 1 {
		t.Fatalf("ok %v, %d victims; want one victim", ok, len(victims))
	}
	victims[0].Close()
	return victims[0]
}

// The pool closes others' connections to make room, oldest first, in
// this order: unidentified or idle, then others' requests in flight, then
// operators' idle keep-alives; an operator's request in flight never.
func TestConnPoolEvictsOthersFirst(t *testing.T) {
	p := newConnPool(nil, 8, zap.NewNop()) // reserve 2
	c := admitN(t, p, 6)
	request(p, c[0], false) // a slow body, without the token
	request(p, c[1], true)  // an operator's e-stop in flight
	request(p, c[2], true)
	p.connState(c[2], http.StateIdle) // an operator's keep-alive
	// Others hold 4 of 6; two more fit, then the oldest unidentified goes.
	admitN(t, p, 2)
	if v := victimOf(t, p); v != c[3] {
		t.Fatalf("evicted #%d, want the oldest unidentified (#3)", v.seqIn(c))
	}
	// Every connection of others busy: the oldest of those goes next.
	for e := p.conns.Front(); e != nil; e = e.Next() {
		if pc := e.Value.(*poolConn); !pc.operator {
			request(p, pc, false)
		}
	}
	if v := victimOf(t, p); v != c[0] {
		t.Fatalf("evicted #%d, want the oldest slow body (#0)", v.seqIn(c))
	}
	if c[1].elem == nil || c[1].evicted {
		t.Fatal("an operator's request in flight was evicted")
	}
}

// When every slot holds an operator's request in flight, a new connection
// is refused; an operator's idle keep-alive makes way first.
func TestConnPoolRefusesOnlyWhenOperatorsHoldAll(t *testing.T) {
	p := newConnPool(nil, 4, zap.NewNop()) // reserve 1
	c := admitN(t, p, 3)
	for _, pc := range c {
		request(p, pc, true)
	}
	c = append(c, admitN(t, p, 1)...)
	request(p, c[3], true)
	p.connState(c[3], http.StateIdle)
	if v := victimOf(t, p); v != c[3] {
		t.Fatal("the operator's idle keep-alive did not make way")
	}
	request(p, p.conns.Back().Value.(*poolConn), true)
	a, _ := net.Pipe()
	if _, victims, ok := p.admit(a); ok || len(victims) != 0 {
		t.Fatalf("admitted (%v) or evicted %d with every slot an operator's request", ok, len(victims))
	}
}

func (c *poolConn) seqIn(all []*poolConn) int {
	for i, o := range all {
		if o == c {
			return i
		}
	}
	return -1
}
