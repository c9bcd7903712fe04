package ntrip

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorosys/rosys/drivers/gnss"
	"go.uber.org/zap"
)

// Bounds on what a caster may send before its stream.
const (
	maxHeaderLine  = 1024     // one status or header line
	maxHeaderBytes = 16 << 10 // the whole header
	maxHeaders     = 64       // header lines
	readChunk      = 4096     // bytes read from the stream at a time
	userAgent      = "NTRIP rosys-go/1"
)

// errUnanswered marks an answer that never began: the caster closed the
// connection without a byte.
var errUnanswered = errors.New("the caster closed the connection without answering")

// session makes one connection and streams until it fails or ctx ends.
func (c *Client) session(ctx context.Context) error {
	version := int(c.version.Load())
	c.sessions.Add(1)
	dctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	conn, err := c.cfg.Dial(dctx, net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.Port)))
	cancel()
	if err != nil {
		return fmt.Errorf("ntrip: connect %s: %w", c.caster, err)
	}
	c.run.SetConn(conn)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// The request and the whole answer's header within DialTimeout: a
	// caster that trickles its header a byte at a time is cut off.
	_ = conn.SetDeadline(time.Now().Add(c.cfg.DialTimeout))
	if _, err := conn.Write(c.request(version)); err != nil {
		return fmt.Errorf("ntrip: send request to %s: %w", c.caster, err)
	}
	br := bufio.NewReaderSize(conn, maxHeaderLine)
	body, err := c.answer(br)
	if errors.Is(err, errUnanswered) && c.cfg.Version == 2 {
		// RTKLIB's caster closes on an HTTP/1.1 request without a word:
		// the next attempt asks in version 1, the one after in 2 again
		// (a wrong password or mountpoint gets the same silence).
		c.version.Store(int64(3 - version))
		return fmt.Errorf("%w (asked in NTRIP %d; trying NTRIP %d next)", err, version, 3-version)
	}
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Time{})
	c.conn.Store(true)
	c.events.Publish(Event{Connected: true})
	c.log.Info("NTRIP stream open", zap.Int("version", version))

	var wg sync.WaitGroup
	stopGGA := make(chan struct{})
	if c.cfg.GGAInterval > 0 && c.cfg.Position != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.sendGGA(conn, stopGGA)
		}()
	}
	err = c.stream(conn, body)
	close(stopGGA)
	_ = conn.Close() // ends a GGA write in progress
	wg.Wait()
	return err
}

// request is the GET for the mountpoint. The credentials go in the
// Authorization header only; nothing else ever sees them.
func (c *Client) request(version int) []byte {
	var b bytes.Buffer
	proto := "HTTP/1.1"
	if version == 1 {
		proto = "HTTP/1.0"
	}
	fmt.Fprintf(&b, "GET /%s %s\r\nHost: %s\r\nUser-Agent: %s\r\n", c.cfg.Mountpoint, proto,
		net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.Port)), userAgent)
	if version == 2 {
		b.WriteString("Ntrip-Version: Ntrip/2.0\r\n")
	}
	if c.cfg.User != "" {
		b.WriteString("Authorization: Basic ")
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(c.cfg.User + ":" + c.cfg.Password)))
		b.WriteString("\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	return b.Bytes()
}

// answer reads the caster's status line and headers, bounded, and returns
// the stream: the reader itself (NTRIP 1, or version 2 unchunked), or its
// chunks taken apart.
func (c *Client) answer(br *bufio.Reader) (io.Reader, error) {
	total := 0
	line, err := readLine(br, &total)
	if err != nil {
		return nil, err
	}
	proto, rest, _ := strings.Cut(line, " ")
	code, reason, _ := strings.Cut(rest, " ")
	switch {
	case proto == "ICY" && code == "200":
		// NTRIP 1: the stream follows at once (a stray empty line is
		// skipped by the framer).
		return br, nil
	case proto == "SOURCETABLE":
		return nil, fmt.Errorf("%w: %s answered with its source table; check the mountpoint %q", ErrNoMountpoint, c.caster, c.cfg.Mountpoint)
	case !strings.HasPrefix(proto, "HTTP/1.") || len(code) != 3:
		return nil, fmt.Errorf("%w: %s answered %s", ErrBadAnswer, c.caster, printable(line, 80))
	}
	var chunked, table bool
	for n := 0; ; n++ {
		if n == maxHeaders {
			return nil, fmt.Errorf("%w: %s sent more than %d header lines", ErrBadAnswer, c.caster, maxHeaders)
		}
		h, err := readLine(br, &total)
		if err != nil {
			return nil, err
		}
		if h == "" {
			break
		}
		k, v, _ := strings.Cut(h, ":")
		v = strings.ToLower(strings.TrimSpace(v))
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "transfer-encoding":
			chunked = v == "chunked"
		case "content-type":
			table = strings.HasPrefix(v, "gnss/sourcetable")
		}
	}
	switch {
	case code == "401":
		return nil, fmt.Errorf("%w by %s (user %q)", ErrUnauthorized, c.caster, c.cfg.User)
	case code == "404" || code == "200" && table:
		return nil, fmt.Errorf("%w: %s answered %s %s with its source table; check the mountpoint %q", ErrNoMountpoint, c.caster, code,
			printable(reason, 40), c.cfg.Mountpoint)
	case code != "200":
		return nil, fmt.Errorf("ntrip: %s refused the stream: %s %s", c.caster, code, printable(reason, 80))
	case chunked:
		// httputil's chunk reader bounds each chunk-size line (4 KiB).
		return httputil.NewChunkedReader(br), nil
	}
	return br, nil
}

// readLine reads one header line, bounded in itself and adding to the
// header's total.
func readLine(br *bufio.Reader, total *int) (string, error) {
	b, err := br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return "", fmt.Errorf("%w: a header line over %d bytes", ErrBadAnswer, maxHeaderLine)
	case errors.Is(err, io.EOF) && *total == 0 && len(b) == 0:
		// RTKLIB's caster closes without a word on a wrong mountpoint or
		// password, and on a version 2 (HTTP/1.1) request.
		return "", fmt.Errorf("%w: %w (wrong mountpoint, user or password? a caster that speaks only NTRIP 1?)", ErrBadAnswer, errUnanswered)
	case errors.Is(err, io.EOF):
		return "", fmt.Errorf("%w: the connection closed within the header", ErrBadAnswer)
	case err != nil:
		return "", fmt.Errorf("ntrip: read the answer: %w", err)
	}
	if *total += len(b); *total > maxHeaderBytes {
		return "", fmt.Errorf("%w: a header over %d bytes", ErrBadAnswer, maxHeaderBytes)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// printable quotes at most n bytes of s for an error message.
func printable(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strconv.QuoteToASCII(s)
}

// stream copies intact frames to the sink until the connection fails or
// ReadTimeout passes without an intact frame.
func (c *Client) stream(conn net.Conn, body io.Reader) error {
	var fr Framer
	buf := make([]byte, readChunk)
	lastFrame := time.Now() // deadlines are on the wall clock
	sink := func(f []byte) {
		c.frames.Add(1)
		c.lastType.Store(int64(MessageType(f[3 : len(f)-3])))
		c.lastFrame.Store(c.cfg.Now().UnixNano())
		lastFrame = time.Now()
		if err := c.cfg.Sink(f); err != nil {
			c.dropped.Add(1)
			return
		}
		c.bytes.Add(uint64(len(f)))
	}
	for {
		_ = conn.SetReadDeadline(lastFrame.Add(c.cfg.ReadTimeout))
		n, err := body.Read(buf)
		bad, skipped := fr.BadFrames, fr.Skipped
		fr.Write(buf[:n], sink)
		c.bad.Add(fr.BadFrames - bad)
		c.skipped.Add(fr.Skipped - skipped)
		if err == nil {
			continue
		}
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout() && fr.Frames == 0 && fr.Skipped > 0:
			return fmt.Errorf("%w from %s in %s: %d bytes of something else", ErrNoRTCM, c.caster, c.cfg.ReadTimeout, fr.Skipped)
		case errors.As(err, &ne) && ne.Timeout():
			return fmt.Errorf("%w: %s sent no RTCM 3 frame for %s", ErrSilent, c.caster, c.cfg.ReadTimeout)
		case errors.Is(err, io.EOF):
			return fmt.Errorf("ntrip: %s closed the stream", c.caster)
		case strings.Contains(err.Error(), "chunk"):
			return fmt.Errorf("%w: %s: %v", ErrBadAnswer, c.caster, err)
		}
		return fmt.Errorf("ntrip: read from %s: %w", c.caster, err)
	}
}

// sendGGA writes the current fix as GGA now and every GGAInterval.
func (c *Client) sendGGA(conn net.Conn, stop <-chan struct{}) {
	t := time.NewTicker(c.cfg.GGAInterval)
	defer t.Stop()
	var buf []byte
	for {
		if g, ok := c.cfg.Position(); ok && g.HasFix() {
			now := g.FixTime.UTC()
			if now.IsZero() {
				now = c.cfg.Now().UTC()
			}
			tod := now.Sub(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC))
			buf = gnss.AppendGGA(buf[:0], "GP", gnss.GGA{Time: tod, HasTime: true, Lat: g.Latitude, Lon: g.Longitude,
				HasPosition: true, Quality: g.Quality, Satellites: g.Satellites, HDOP: g.HDOP, Altitude: g.Altitude})
			_ = conn.SetWriteDeadline(time.Now().Add(c.cfg.DialTimeout))
			if _, err := conn.Write(buf); err != nil {
				return // the reader sees the broken connection too
			}
			c.ggaSent.Add(1)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
