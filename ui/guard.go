package ui

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// guard checks who may use the API before any handler runs: the token,
// the Host header and the Origin header. It answers and returns false
// when the request is refused, closing the connection after the refusal:
// a client that keeps a connection open to collect 401s holds a
// descriptor for nothing.
func (s *Server) guard(w http.ResponseWriter, r *http.Request) bool {
	if s.token == "" {
		// Without a token the only protection is that the API listens on
		// loopback. A page on evil.example whose name the attacker points
		// at 127.0.0.1 (DNS rebinding) reaches it with its own Host, so
		// only names of this machine are served, for reading as well.
		if !s.localHost(r.Host) {
			refuse(w, http.StatusForbidden, fmt.Errorf("host %q is not this machine; without http_token only localhost and the listen address are served", r.Host))
			return false
		}
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") && r.URL.Path != metricsPath {
		return true // the dashboard's page and files hold no state
	}
	if s.token != "" && !s.authorized(r) {
		refuse(w, http.StatusUnauthorized, errors.New("missing or wrong token: send Authorization: Bearer <token>"))
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
		refuse(w, http.StatusForbidden, fmt.Errorf("cross-origin request from %s refused", r.Header.Get("Origin")))
		return false
	}
	return true
}

func refuse(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Connection", "close")
	writeError(w, code, err)
	dropBody(w)
}

// queryTokenPaths are where a browser cannot send a header: a download
// started by a link, and an EventSource (and a camera's image or stream
// in an <img>: cameraMediaPath). Only there is ?token= accepted; a
// token in a URL ends up in histories and logs, so nowhere else.
var queryTokenPaths = map[string]bool{"/api/export": true, "/api/events": true}

func (s *Server) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok && r.Method == http.MethodGet && (queryTokenPaths[r.URL.Path] || cameraMediaPath(r.URL.Path)) {
		got, ok = r.URL.Query().Get("token"), true
	}
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) == 1
}

// localHost reports whether a Host header names this machine: localhost,
// a loopback address, or the address the server listens on; any port.
func (s *Server) localHost(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
	if h == "" {
		return false
	}
	if strings.EqualFold(h, "localhost") {
		return true
	}
	if ip := net.ParseIP(h); ip != nil {
		if ip.IsLoopback() {
			return true
		}
		for _, a := range s.listen {
			if a.Equal(ip) {
				return true
			}
		}
	}
	return false
}

// sameOrigin accepts requests without an Origin header (curl, scripts) and
// those whose Origin is this host; browsers always send Origin on
// cross-site writes, so a page elsewhere cannot steer the robot.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}
