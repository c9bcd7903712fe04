package camera

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MJPEGOptions configure a network camera read over HTTP.
type MJPEGOptions struct {
	// URL of the camera's stream (multipart/x-mixed-replace) or of a
	// snapshot (image/jpeg, polled every SnapshotInterval): http or
	// https. Credentials in it are taken out and used as Username and
	// Password unless those are set.
	URL                string
	Username, Password string
	// MaxFrameBytes bounds a part or snapshot (DefaultMaxFrameBytes).
	MaxFrameBytes int
	// StallTimeout ends a connection that delivers no frame for this
	// long, so the Camera reconnects (default 10 s).
	StallTimeout time.Duration
	// SnapshotInterval is the pause between two snapshot requests when
	// the URL answers with single JPEGs (default 1 s, or half the stall
	// timeout if that is shorter; it must be shorter than the stall
	// timeout).
	SnapshotInterval time.Duration
	// Client makes the requests (default: one with a 10 s dial and
	// response-header timeout and no overall timeout, streams being
	// endless).
	Client *http.Client
}

// MJPEG is a network camera's MJPEG over HTTP: a multipart stream, or
// single JPEGs polled, with Basic or Digest authentication.
type MJPEG struct {
	opts MJPEGOptions
	url  string // without credentials
	name string
	auth *challenge
	dig  digest
}

var _ Source = (*MJPEG)(nil)

// NewMJPEG checks the options and returns the source.
func NewMJPEG(opts MJPEGOptions) (*MJPEG, error) {
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("mjpeg camera: URL: %w", urlError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("mjpeg camera: URL %q: want http:// or https:// with a host", u.Redacted())
	}
	if u.User != nil {
		if opts.Username == "" {
			opts.Username = u.User.Username()
			opts.Password, _ = u.User.Password()
		}
		u.User = nil
	}
	if opts.MaxFrameBytes == 0 {
		opts.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if opts.MaxFrameBytes < 1024 || opts.MaxFrameBytes > MaxRingBytes {
		return nil, fmt.Errorf("mjpeg camera: frames of at most %d bytes: must be 1024..%d", opts.MaxFrameBytes, MaxRingBytes)
	}
	if opts.StallTimeout == 0 {
		opts.StallTimeout = 10 * time.Second
	}
	if opts.SnapshotInterval == 0 {
		opts.SnapshotInterval = min(time.Second, opts.StallTimeout/2)
	}
	if opts.StallTimeout < 0 || opts.SnapshotInterval < 0 {
		return nil, errors.New("mjpeg camera: negative timeout or interval")
	}
	if opts.SnapshotInterval >= opts.StallTimeout {
		return nil, fmt.Errorf("mjpeg camera: snapshot interval %v: must be shorter than the stall timeout %v", opts.SnapshotInterval, opts.StallTimeout)
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
			MaxIdleConnsPerHost:   1,
		}}
	}
	s := u.String()
	return &MJPEG{opts: opts, url: s, name: "mjpeg " + s}, nil
}

// Name implements Source: the URL without credentials.
func (m *MJPEG) Name() string { return m.name }

// Run implements Source.
func (m *MJPEG) Run(ctx context.Context, emit func([]byte, time.Time)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// A connection that delivers nothing for StallTimeout is cut: the
	// watchdog is reset by every frame (Reset does not allocate).
	stalled := fmt.Errorf("no frame for %v", m.opts.StallTimeout)
	watchdog := time.AfterFunc(m.opts.StallTimeout, func() { cancel(stalled) })
	defer watchdog.Stop()
	var buf []byte // snapshots' buffer, reused
	for {
		resp, err := m.get(ctx)
		if err != nil {
			return cause(ctx, err)
		}
		mediatype, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		switch {
		case err == nil && strings.HasPrefix(mediatype, "multipart/"):
			defer resp.Body.Close()
			if params["boundary"] == "" {
				return fmt.Errorf("%s without a boundary", mediatype)
			}
			pr := newPartReader(resp.Body, params["boundary"], m.opts.MaxFrameBytes)
			for {
				part, err := pr.next()
				if err != nil {
					if err == errStreamEnd {
						return nil
					}
					return cause(ctx, err)
				}
				watchdog.Reset(m.opts.StallTimeout)
				emit(part, time.Time{})
			}
		case err == nil && mediatype == "image/jpeg":
			buf, err = readBounded(resp.Body, buf, m.opts.MaxFrameBytes)
			resp.Body.Close()
			if err != nil {
				return cause(ctx, err)
			}
			watchdog.Reset(m.opts.StallTimeout)
			emit(buf, time.Time{})
			select {
			case <-ctx.Done():
				return cause(ctx, ctx.Err())
			case <-time.After(m.opts.SnapshotInterval):
			}
		default:
			resp.Body.Close()
			return fmt.Errorf("answered Content-Type %q: want multipart/x-mixed-replace or image/jpeg", resp.Header.Get("Content-Type"))
		}
	}
}

// urlError is a URL's parse error without the URL, which may hold a
// password.
func urlError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// cause prefers the reason the context was cancelled (a stall) to the
// error it caused.
func cause(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil && c != context.Canceled {
		return c
	}
	return err
}

// get requests the URL, answering an authentication challenge once.
func (m *MJPEG) get(ctx context.Context) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
		if err != nil {
			return nil, err
		}
		if m.auth != nil {
			h, err := authorization(*m.auth, &m.dig, m.opts.Username, m.opts.Password, http.MethodGet, req.URL.RequestURI())
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", h)
		}
		resp, err := m.opts.Client.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusOK {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			return nil, fmt.Errorf("answered %s", resp.Status)
		}
		if m.opts.Username == "" {
			return nil, errors.New("answered 401 Unauthorized and no credentials are configured")
		}
		ch, err := parseChallenge(resp.Header.Get("WWW-Authenticate"))
		if err != nil {
			m.auth = nil
			return nil, fmt.Errorf("answered 401 Unauthorized: %w", err)
		}
		// The first 401 asks for credentials (or a fresh nonce for a
		// challenge we kept); a second one refuses ours, unless it only
		// says that the nonce went stale.
		if attempt == 1 && ch.params["stale"] != "true" || attempt > 1 {
			m.auth = nil
			return nil, errors.New("answered 401 Unauthorized to our credentials")
		}
		m.auth, m.dig = &ch, digest{}
	}
}

// readBounded reads all of r into buf (reused), failing beyond max bytes.
func readBounded(r io.Reader, buf []byte, max int) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			if len(buf) > max {
				return nil, fmt.Errorf("a snapshot longer than %d bytes", max)
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > max {
			return nil, fmt.Errorf("a snapshot longer than %d bytes", max)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
