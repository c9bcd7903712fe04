package robot

import (
	"container/list"
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
)

// connPool decides which HTTP connections stay open. A cap that refuses at
// accept time cannot tell an operator from an attacker (nothing has been
// read yet), so whoever fills it first locks the operator out of the
// e-stop. The pool accepts every connection instead, and when open
// connections near the descriptor budget it closes someone else's: the
// oldest connection that is not an operator's request in flight, preferring
// those that never identified themselves or sit idle. A connection becomes
// an operator's once a request on it passes the token (or, without a token,
// the loopback and Host rules) — see ui.WithConnClass. Operators keep
// `reserve` slots no one else may take; only when every open connection is
// an operator's request in flight is a new one refused with 503.
type connPool struct {
	net.Listener
	max     int // connections open at most (the descriptor budget)
	reserve int // of max, kept for operators' requests
	log     *zap.Logger

	mu     sync.Mutex
	conns  list.List // of *poolConn in accept order, oldest first
	open   int       // in conns and not evicted
	others int       // of open, not an operator's
	warned bool
}

// poolConn is one accepted connection and what the pool knows of it.
type poolConn struct {
	net.Conn
	pool *connPool

	// guarded by pool.mu
	elem     *list.Element // in pool.conns; nil once removed
	state    http.ConnState
	operator bool // the last request on it was an operator's
	evicted  bool

	once sync.Once
}

func newConnPool(ln net.Listener, max int, log *zap.Logger) *connPool {
	reserve := min(max/4, httpOperatorReserve)
	return &connPool{Listener: ln, max: max, reserve: reserve, log: log}
}

const busyResponse = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 52\r\n\r\n{\"error\":\"too many connections; try again shortly\"}\n"

// Accept implements net.Listener.
func (p *connPool) Accept() (net.Conn, error) {
	for {
		c, err := p.Listener.Accept()
		if err != nil {
			return nil, err
		}
		pc, victims, ok := p.admit(c)
		// Closed here, not on goroutines of their own: the descriptors
		// must be free before the next accept takes one.
		for _, v := range victims {
			v.evict()
		}
		if ok {
			return pc, nil
		}
		refuse(c)
	}
}

// admit adds c to the pool, choosing the connections to close to make
// room for it; ok is false when c itself is refused (every slot holds an
// operator's request in flight).
func (p *connPool) admit(c net.Conn) (pc *poolConn, victims []*poolConn, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Everyone but operators fits in max-reserve; the new connection is
	// nobody's yet, so it counts as someone else's.
	for p.others+1 > p.max-p.reserve || p.open+1 > p.max {
		v := p.victimLocked(p.open+1 > p.max)
		if v == nil {
			break
		}
		v.evicted = true
		victims = append(victims, v)
		p.leaveLocked(v)
	}
	full := p.open+1 > p.max
	if len(victims) > 0 || full {
		if !p.warned {
			p.warned = true
			p.log.Warn("http: connection limit reached; closing the oldest idle or unidentified connections to make room",
				zap.Int("limit", p.max), zap.Int("operator_reserve", p.reserve))
		}
	}
	if full {
		return nil, victims, false
	}
	pc = &poolConn{Conn: c, pool: p, state: http.StateNew}
	pc.elem = p.conns.PushBack(pc)
	p.open++
	p.others++
	return pc, victims, true
}

// leaveLocked takes pc out of the counts (evicted or closed); p.mu held.
func (p *connPool) leaveLocked(pc *poolConn) {
	p.open--
	if !pc.operator {
		p.others--
	}
}

// setOperatorLocked changes pc's class, keeping the counts; p.mu held.
func (p *connPool) setOperatorLocked(pc *poolConn, operator bool) {
	if pc.operator == operator || pc.evicted || pc.elem == nil {
		pc.operator = operator
		return
	}
	pc.operator = operator
	if operator {
		p.others--
	} else {
		p.others++
	}
}

// victimLocked picks the connection to close: the oldest of the first
// non-empty class, in this order — not an operator's and not in a request
// (never identified, idle); not an operator's, in a request (a slow body,
// a slow reader); an operator's idle keep-alive. An operator's request in
// flight is never closed. With anyOperator false only the first two
// classes are candidates (room is made among the others).
func (p *connPool) victimLocked(anyOperator bool) *poolConn {
	// Oldest first, so the first of class 0 ends the walk; in a flood
	// that is nearly always the front.
	var best [3]*poolConn
	for e := p.conns.Front(); e != nil; e = e.Next() {
		o := e.Value.(*poolConn)
		if o.evicted || o.state == http.StateHijacked {
			continue
		}
		busy := o.state == http.StateActive
		switch {
		case !o.operator && !busy:
			return o
		case !o.operator:
			if best[1] == nil {
				best[1] = o
			}
		case !busy:
			if best[2] == nil {
				best[2] = o
			}
		}
	}
	if best[1] != nil {
		return best[1]
	}
	if anyOperator {
		return best[2]
	}
	return nil
}

// connState is the http.Server's ConnState hook.
func (p *connPool) connState(c net.Conn, st http.ConnState) {
	pc, ok := c.(*poolConn)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st == http.StateClosed || st == http.StateHijacked {
		p.removeLocked(pc)
		return
	}
	pc.state = st
	if st == http.StateActive {
		// Until the new request shows who sends it, the connection is no
		// operator's: a request without the token on an operator's
		// keep-alive connection does not borrow the reserve.
		p.setOperatorLocked(pc, false)
	}
}

type poolConnKey struct{}

// connContext is the http.Server's ConnContext hook: it lets classify find
// the connection a request came on.
func (p *connPool) connContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*poolConn); ok {
		return context.WithValue(ctx, poolConnKey{}, pc)
	}
	return ctx
}

// classify records whether the request r is an operator's (ui.WithConnClass).
func (p *connPool) classify(r *http.Request, operator bool) {
	pc, ok := r.Context().Value(poolConnKey{}).(*poolConn)
	if !ok {
		return
	}
	p.mu.Lock()
	p.setOperatorLocked(pc, operator)
	p.mu.Unlock()
}

// tellTimeout bounds telling a peer why its connection is closed; a peer
// that does not read is not waited for.
const tellTimeout = 10 * time.Millisecond

// evict tells the peer why, if it can be told without waiting, and closes
// the connection; a handler blocked on it returns with an error.
func (c *poolConn) evict() {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(tellTimeout))
	c.pool.mu.Lock()
	st := c.state
	c.pool.mu.Unlock()
	if st != http.StateActive { // nothing of a response written yet
		_, _ = c.Conn.Write([]byte(busyResponse))
	}
	_ = c.Close()
}

// Close implements net.Conn; it leaves the pool at once (the server's
// StateClosed hook comes later, or never for a connection it never saw).
func (c *poolConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.pool.mu.Lock()
		c.pool.removeLocked(c)
		c.pool.mu.Unlock()
	})
	return err
}

// removeLocked takes pc out of the pool, once; p.mu held.
func (p *connPool) removeLocked(pc *poolConn) {
	if pc.elem == nil {
		return
	}
	p.conns.Remove(pc.elem)
	pc.elem = nil
	if !pc.evicted {
		p.leaveLocked(pc)
	}
}

func refuse(c net.Conn) {
	_ = c.SetWriteDeadline(time.Now().Add(tellTimeout))
	_, _ = c.Write([]byte(busyResponse))
	_ = c.Close()
}
