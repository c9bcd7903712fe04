package ntrip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/internal/reconnect"
	"go.uber.org/zap"
)

// Defaults.
const (
	DefaultPort         = 2101
	DefaultVersion      = 2
	DefaultDialTimeout  = 10 * time.Second
	DefaultReadTimeout  = 30 * time.Second
	DefaultReconnectMin = time.Second
	DefaultReconnectMax = 60 * time.Second
)

// Errors a connection ends with; the status's last_error says which, with
// the caster's words where it gave any.
var (
	// ErrConfig: a configuration the client cannot run.
	ErrConfig = errors.New("ntrip: bad configuration")
	// ErrUnauthorized: the caster refused the user and password (401).
	ErrUnauthorized = errors.New("ntrip: caster refused the credentials (401 Unauthorized)")
	// ErrNoMountpoint: the caster answered with its source table (or a
	// 404): the mountpoint is not there.
	ErrNoMountpoint = errors.New("ntrip: mountpoint not on the caster")
	// ErrBadAnswer: the caster's answer is not NTRIP (garbage, an
	// overlong line, too many or too long headers, a bad chunk).
	ErrBadAnswer = errors.New("ntrip: caster's answer is not NTRIP")
	// ErrNoRTCM: the caster sends bytes but no intact RTCM 3 frame.
	ErrNoRTCM = errors.New("ntrip: no RTCM 3 frame in the stream")
	// ErrSilent: the caster sent nothing for ReadTimeout.
	ErrSilent = errors.New("ntrip: caster silent")
)

// Config configures a Client.
type Config struct {
	Host       string
	Port       int // default 2101
	Mountpoint string
	// User and Password for HTTP Basic authentication; no User sends
	// none. The password stays in memory (never in status, logs, errors).
	User, Password string
	// Version is the NTRIP version to ask for: 1 or 2 (default 2). A
	// caster that answers a version 2 request in version 1 ("ICY 200
	// OK") is understood either way; one that closes on a version 2
	// request without a word (RTKLIB's) is asked in version 1 next, and
	// so on alternately.
	Version int
	// GGAInterval is how often the current fix goes up to the caster as
	// an NMEA GGA (a virtual reference station needs it); 0 never.
	GGAInterval time.Duration
	// Position is the current fix for GGA: ok false sends nothing.
	Position func() (g hardware.GNSS, ok bool)
	// Sink takes each intact RTCM 3 frame, in order. It must not block
	// (the GNSS driver queues it for its port); an error counts the frame
	// as dropped.
	Sink func(frame []byte) error
	// DialTimeout bounds connecting and reading the caster's answer
	// (default 10 s); ReadTimeout is the longest the stream may bring no
	// intact frame before the connection is dropped and made anew
	// (default 30 s).
	DialTimeout, ReadTimeout time.Duration
	// Reconnect backoff after a failed or lost connection (default 1 s,
	// doubling to 60 s); a connection that brought frames resets it.
	ReconnectMin, ReconnectMax time.Duration
	Dial                       func(ctx context.Context, addr string) (net.Conn, error)
	Now                        func() time.Time
	Log                        *zap.Logger
}

func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.Version == 0 {
		c.Version = DefaultVersion
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.ReconnectMin <= 0 {
		c.ReconnectMin = DefaultReconnectMin
	}
	if c.ReconnectMax <= 0 {
		c.ReconnectMax = DefaultReconnectMax
	}
	c.ReconnectMax = max(c.ReconnectMax, c.ReconnectMin)
	if c.Dial == nil {
		c.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
	return c
}

// Client streams corrections from a caster. It is a runtime module:
// Start connects in the background and returns at once, Stop ends it.
type Client struct {
	cfg    Config
	caster string // host:port/mountpoint, for status and logs
	log    *zap.Logger

	conn                                          atomic.Bool
	bytes, frames, bad, skipped, dropped, ggaSent atomic.Uint64
	reconnects, sessions                          atomic.Uint64
	lastFrame                                     atomic.Int64 // unix ns; 0 never
	lastType                                      atomic.Int64
	version                                       atomic.Int64 // asked for next: cfg.Version, or the other after a silent close
	lastErr                                       atomic.Pointer[string]
	events                                        hardware.Topic[Event]
	run                                           reconnect.Runner // the connection (SetConn), closed by Stop
}

// Event is a change of the connection: connected, or ended with Err.
type Event struct {
	Connected bool
	Err       error
}

// New checks cfg and returns a client; Start connects.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	switch {
	case cfg.Host == "":
		return nil, fmt.Errorf("%w: no caster host", ErrConfig)
	case cfg.Port < 1 || cfg.Port > 65535:
		return nil, fmt.Errorf("%w: port %d is not 1 to 65535", ErrConfig, cfg.Port)
	case !validMountpoint(cfg.Mountpoint):
		return nil, fmt.Errorf("%w: mountpoint %q: want 1 to 100 letters, digits, '-', '_' or '.'", ErrConfig, cfg.Mountpoint)
	case cfg.Version != 1 && cfg.Version != 2:
		return nil, fmt.Errorf("%w: version %d: want 1 or 2", ErrConfig, cfg.Version)
	case cfg.Sink == nil:
		return nil, fmt.Errorf("%w: nowhere to send the corrections", ErrConfig)
	case !validCredential(cfg.User) || !validCredential(cfg.Password):
		// A CR or LF would split the request; a ':' in the user is not
		// representable in Basic authentication.
		return nil, fmt.Errorf("%w: user or password holds a control character (or the user a ':')", ErrConfig)
	}
	for i := range len(cfg.User) {
		if cfg.User[i] == ':' {
			return nil, fmt.Errorf("%w: user or password holds a control character (or the user a ':')", ErrConfig)
		}
	}
	c := &Client{cfg: cfg, caster: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)) + "/" + cfg.Mountpoint}
	c.version.Store(int64(cfg.Version))
	c.log = cfg.Log.Named("ntrip").With(zap.String("caster", c.caster))
	return c, nil
}

func validMountpoint(m string) bool {
	if len(m) == 0 || len(m) > 100 {
		return false
	}
	for _, r := range m {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}

func validCredential(s string) bool {
	if len(s) > 256 {
		return false
	}
	for i := range len(s) {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// Caster is host:port/mountpoint.
func (c *Client) Caster() string { return c.caster }

// Start connects in the background and returns at once.
func (c *Client) Start(context.Context) error {
	c.run.Start(c.loop(), func(ctx context.Context) error {
		defer c.conn.Store(false)
		return c.session(ctx)
	})
	return nil
}

// Stop closes the connection and waits for the client to end.
func (c *Client) Stop(ctx context.Context) error { return c.run.Stop(ctx) }

// SubscribeEvents delivers every connect and every ended connection.
func (c *Client) SubscribeEvents(buffer int) (<-chan Event, func()) {
	return c.events.Subscribe(buffer)
}

// loop reconnects with exponential backoff; a connection that brought
// frames resets it.
func (c *Client) loop() reconnect.Loop {
	return reconnect.Loop{
		Min: c.cfg.ReconnectMin, Max: c.cfg.ReconnectMax, Progress: c.frames.Load,
		Failed: func(err error, backoff time.Duration, first bool) {
			s := err.Error()
			c.lastErr.Store(&s)
			c.events.Publish(Event{Err: err})
			if first { // once per outage, not once per retry
				c.log.Warn("NTRIP corrections lost; reconnecting", zap.Error(err), zap.Duration("backoff", backoff))
			}
			c.reconnects.Add(1)
		},
	}
}
