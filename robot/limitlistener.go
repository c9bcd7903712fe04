package robot

import (
	"net"
	"sync"
	"time"

	"go.uber.org/zap"
)

// limitListener accepts at most max connections at once. One more is
// answered 503 and closed at once instead of being held: the client learns
// why, and the descriptor is back in a moment.
type limitListener struct {
	net.Listener
	slots chan struct{}
	log   *zap.Logger
	once  sync.Once
}

func newLimitListener(ln net.Listener, max int, log *zap.Logger) net.Listener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, max), log: log}
}

const busyResponse = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 52\r\n\r\n{\"error\":\"too many connections; try again shortly\"}\n"

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &slotConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			l.once.Do(func() {
				l.log.Warn("http: connection limit reached; refusing connections with 503", zap.Int("limit", cap(l.slots)))
			})
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = c.Write([]byte(busyResponse))
			_ = c.Close()
		}
	}
}

// slotConn gives its slot back once, when closed.
type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
