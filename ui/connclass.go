package ui

import (
	"net"
	"net/http"
	"time"
)

// othersWriteTimeout bounds writing a response to a request that is not an
// operator's (the dashboard's files loaded without the token, refusals): a
// client that never reads its answer gives its connection back soon.
const othersWriteTimeout = 10 * time.Second

// WithConnClass is told, for every request before it is handled, whether it
// is an operator's: it carries the token, or no token is set and it comes
// from loopback naming this machine. The robot's connection pool keeps
// room for operators with it and closes others' connections first.
func WithConnClass(fn func(r *http.Request, operator bool)) Option {
	return func(s *Server) { s.connClass = fn }
}

// operator reports whether r is an operator's request (see WithConnClass).
func (s *Server) operator(r *http.Request) bool {
	if s.token != "" {
		return s.authorized(r)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback() && s.localHost(r.Host)
}

// classify tells the connection pool whose request r is, and gives a
// request that is not an operator's a connection that closes after the
// answer and a short write deadline: whatever others do, they cannot hold
// connections an operator's e-stop needs. It reports whether r is an
// operator's.
func (s *Server) classify(w http.ResponseWriter, r *http.Request) bool {
	op := s.operator(r)
	if s.connClass != nil {
		s.connClass(r, op)
	}
	if !op {
		w.Header().Set("Connection", "close")
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(othersWriteTimeout))
	}
	return op
}

// dropBody ends a request whose body is not wanted (refused, or not an
// operator's) without reading it: net/http drains up to 256 KiB of an
// unread body after the handler, even on a connection that closes, so a
// body trickled a byte a second would hold the connection until the read
// timeout. An expired read deadline ends the drain at once.
func dropBody(w http.ResponseWriter) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}
