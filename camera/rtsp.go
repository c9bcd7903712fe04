package camera

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// RTSPOptions configure an RTSP camera read through ffmpeg. No pure-Go
// RTSP client is available here, and ffmpeg speaks every camera's
// dialect (H.264, H.265, MJPEG over RTP; TCP interleaving): the source
// runs it as a subprocess that writes JPEGs to a pipe, and ends the
// subprocess (the Camera restarts it) when it stalls or exits.
type RTSPOptions struct {
	URL                string // rtsp:// or rtsps://; credentials in it stay out of Name
	Username, Password string // put into the URL given to ffmpeg when set
	// Copy passes the camera's frames through (its stream must be
	// MJPEG); otherwise ffmpeg encodes JPEGs at Quality (2 best..31,
	// default 5), which costs CPU for H.264 cameras.
	Copy    bool
	Quality int
	// FPS, when set, has ffmpeg drop frames down to this rate.
	FPS           int
	FFmpeg        string // path of ffmpeg (default "ffmpeg" on $PATH)
	MaxFrameBytes int    // DefaultMaxFrameBytes
	// StallTimeout ends ffmpeg when no frame comes for this long
	// (default 10 s; it also bounds connecting).
	StallTimeout time.Duration
}

// maxStderr bounds what is kept of ffmpeg's error output for the error
// that ends a run.
const maxStderr = 2048

// RTSP is a camera reached over RTSP through a supervised ffmpeg.
type RTSP struct {
	opts     RTSPOptions
	url      string // with credentials, for ffmpeg only
	name     string
	redacted string   // url without credentials
	secrets  []string // the URL with credentials and the password, as ffmpeg may print them
}

var _ Source = (*RTSP)(nil)

// NewRTSP checks the options and returns the source.
func NewRTSP(opts RTSPOptions) (*RTSP, error) {
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("rtsp camera: URL: %w", urlError(err))
	}
	if u.Scheme != "rtsp" && u.Scheme != "rtsps" || u.Host == "" {
		return nil, fmt.Errorf("rtsp camera: URL %q: want rtsp:// or rtsps:// with a host", u.Redacted())
	}
	if opts.Username != "" {
		u.User = url.UserPassword(opts.Username, opts.Password)
	}
	full := u.String()
	var secrets []string // what ffmpeg's messages must not carry into status
	if u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			secrets = append(secrets, full, pw, url.QueryEscape(pw), url.PathEscape(pw))
		}
	}
	u.User = nil
	if opts.Quality == 0 {
		opts.Quality = 5
	}
	if opts.Quality < 2 || opts.Quality > 31 {
		return nil, fmt.Errorf("rtsp camera: quality %d: must be 2..31", opts.Quality)
	}
	if opts.FPS < 0 || opts.FPS > 240 {
		return nil, fmt.Errorf("rtsp camera: fps %d: must be 0..240", opts.FPS)
	}
	if opts.FFmpeg == "" {
		opts.FFmpeg = "ffmpeg"
	}
	if opts.MaxFrameBytes == 0 {
		opts.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if opts.MaxFrameBytes < 1024 || opts.MaxFrameBytes > MaxRingBytes {
		return nil, fmt.Errorf("rtsp camera: frames of at most %d bytes: must be 1024..%d", opts.MaxFrameBytes, MaxRingBytes)
	}
	if opts.StallTimeout == 0 {
		opts.StallTimeout = 10 * time.Second
	}
	if opts.StallTimeout < 0 {
		return nil, errors.New("rtsp camera: negative stall timeout")
	}
	return &RTSP{opts: opts, url: full, name: "rtsp " + u.String(), redacted: u.String(), secrets: secrets}, nil
}

// Name implements Source: the URL without credentials.
func (r *RTSP) Name() string { return r.name }

// args are ffmpeg's arguments.
func (r *RTSP) args() []string {
	a := []string{"-nostdin", "-hide_banner", "-loglevel", "error",
		"-rtsp_transport", "tcp", "-timeout", strconv.FormatInt(r.opts.StallTimeout.Microseconds(), 10),
		"-i", r.url, "-an", "-sn", "-dn"}
	if r.opts.FPS > 0 {
		a = append(a, "-r", strconv.Itoa(r.opts.FPS))
	}
	if r.opts.Copy {
		a = append(a, "-c:v", "copy")
	} else {
		a = append(a, "-c:v", "mjpeg", "-q:v", strconv.Itoa(r.opts.Quality), "-pix_fmt", "yuvj420p")
	}
	return append(a, "-f", "mjpeg", "pipe:1")
}

// Run implements Source: it starts ffmpeg and emits the JPEGs of its
// output until ffmpeg exits, stalls, or ctx ends (then ffmpeg is killed
// and waited for: no subprocess outlives a run).
func (r *RTSP) Run(ctx context.Context, emit func([]byte, time.Time)) error {
	cmd := exec.Command(r.opts.FFmpeg, r.args()...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr := &boundedBuffer{max: maxStderr}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting ffmpeg: %w", err)
	}
	var once sync.Once
	var why error
	kill := func(reason error) {
		once.Do(func() {
			why = reason
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		})
	}
	watchdog := time.AfterFunc(r.opts.StallTimeout, func() { kill(fmt.Errorf("no frame for %v", r.opts.StallTimeout)) })
	defer watchdog.Stop()
	stop := context.AfterFunc(ctx, func() { kill(ctx.Err()) })
	defer stop()

	js := newJPEGStream(out, r.opts.MaxFrameBytes)
	var readErr error
	for {
		frame, err := js.next()
		if err != nil {
			readErr = err
			break
		}
		watchdog.Reset(r.opts.StallTimeout)
		emit(frame, time.Time{})
	}
	kill(nil) // ffmpeg may still run after a bad stream: end it
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case why != nil:
		return why
	case errors.Is(readErr, errFrameTooLarge) || errors.Is(readErr, ErrNotJPEG):
		return readErr
	}
	msg := r.redact(bytes.TrimSpace(stderr.Bytes()))
	if len(msg) > 0 {
		return fmt.Errorf("ffmpeg exited (%v): %s", waitErr, msg)
	}
	return fmt.Errorf("ffmpeg exited (%v)", waitErr)
}

// redact replaces the credentials in ffmpeg's messages: the URL with
// them by the URL without, then any remaining password by "xxxxx".
// ffmpeg's command line holds them too (no other way to hand them over):
// the host's other users can read it in /proc.
func (r *RTSP) redact(msg []byte) []byte {
	for i, s := range r.secrets {
		with := []byte("xxxxx")
		if i == 0 {
			with = []byte(r.redacted)
		}
		msg = bytes.ReplaceAll(msg, []byte(s), with)
	}
	return msg
}

// boundedBuffer keeps the last max bytes written to it.
type boundedBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	if len(p) > b.max {
		p = p[len(p)-b.max:]
	}
	if over := len(b.buf) + len(p) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	b.buf = append(b.buf, p...)
	return n, nil
}

// Bytes returns a copy of what is kept.
func (b *boundedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf)
}
