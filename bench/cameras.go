package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorosys/rosys/camera"
	"github.com/gorosys/rosys/camera/cameratest"
)

// cameras is section 9: what capturing network cameras costs, and
// whether the control loop notices.
func (b *bench) cameras() error {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		return fmt.Errorf("ffmpeg is not installed (apt-get install ffmpeg; make bench-deps does): %w", err)
	}
	dir := mustTemp(b.root)
	const w, h, fps = 1280, 720, 30
	clip, err := cameratest.WriteClip(ff, dir, w, h, fps, 2)
	if err != nil {
		return err
	}
	clipBytes, frames := clipStats(clip)
	b.r.p("ffmpeg serves a pre-encoded clip of ffmpeg's test pattern (%d×%d, %d frames, mean %d KiB a frame) as MJPEG over HTTP "+
		"(`-stream_loop -1 -c copy -f mpjpeg -listen 1`: multipart with Content-Length, no encoding), and the cameras read it over loopback.",
		w, h, frames, clipBytes/frames>>10)

	// 1. Ingest cost per frame against a raw read of the same stream.
	window := 8 * time.Second
	reps := 3
	if b.s.quick {
		window, reps = 2*time.Second, 1
	}
	var ours, raw []time.Duration
	var oursFrames, rawFrames []int
	for range reps {
		srv, err := cameratest.NewMJPEGServer(ff, cameratest.Video{Width: w, Height: h, FPS: fps, Clip: clip, Unpaced: true}, func(error) {})
		if err != nil {
			return err
		}
		cpuRaw, bytesRaw, err := rawStreamRead(b.ctx, srv.URL, window)
		if err != nil {
			srv.Stop()
			return fmt.Errorf("raw read: %w", err)
		}
		srv.Stop()
		srv.Start()
		cpuOurs, n, err := ingest(b.ctx, srv.URL, window)
		srv.Stop()
		if err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		nr := int(bytesRaw / int64(clipBytes/frames))
		raw, rawFrames = append(raw, cpuRaw/time.Duration(max(nr, 1))), append(rawFrames, nr)
		ours, oursFrames = append(ours, cpuOurs/time.Duration(max(n, 1))), append(oursFrames, n)
	}
	r := float64(median(ours)) / float64(median(raw))
	b.r.p("**Ingest CPU per frame**: the camera (MJPEG source, part parsing, checks, copy into the ring) reading the stream unpaced "+
		"(as fast as it takes it) for %s: %s of process CPU per frame (%v frames a run), against %s for a raw read of the same stream "+
		"(the same HTTP client reading the body into one 64 KiB buffer and dropping it; frames counted as bytes / mean frame size: %v): "+
		"**%.2f×**. Median of %d.", window, us(median(ours)), oursFrames, us(median(raw)), rawFrames, r, reps)
	b.goal("camera ingest CPU per frame vs raw read of the stream", fmt.Sprintf("%.2f× (%s vs %s a 1280×720 frame)", r, us(median(ours)), us(median(raw))), "≤ 1.3×", r <= 1.3)

	// 2. Two cameras at 30 fps, two consumers each; 3. the control loop
	// beside them, in pairs of runs without and with the cameras (the
	// machine's load drifts: a ratio within a pair, the median of pairs).
	d, pairs := 10*time.Second, 3
	if b.s.quick {
		d, pairs = 3*time.Second, 1
	}
	rssBefore, _ := procMem(os.Getpid())
	var res rigResult
	var ratios []float64
	var withP99, withoutP99 []time.Duration
	var withMissed, withoutMissed, withGCs, withoutGCs int
	var steal float64
	for range pairs {
		without, err := runRuntime(b.ctx, mustTemp(b.root), 10*time.Millisecond, d, false)
		if err != nil {
			return err
		}
		rig, err := startCameraRig(b.ctx, ff, cameratest.Video{Width: w, Height: h, FPS: fps, Clip: clip}, 2, 2)
		if err != nil {
			return err
		}
		with, err := runRuntime(b.ctx, mustTemp(b.root), 10*time.Millisecond, d, false)
		r := rig.stop()
		if err != nil {
			return err
		}
		res.merge(r)
		ratios = append(ratios, float64(with.dist.P99)/float64(max(without.dist.P99, 1)))
		withP99, withoutP99 = append(withP99, with.dist.P99), append(withoutP99, without.dist.P99)
		withMissed, withoutMissed = withMissed+with.missed, withoutMissed+without.missed
		withGCs, withoutGCs = withGCs+int(with.env.gcs), withoutGCs+int(without.env.gcs)
		steal = max(steal, with.env.stealShare, without.env.stealShare)
	}
	slices.Sort(ratios)
	cr := ratios[len(ratios)/2]
	rssAfter := res.rssKiB
	var rows [][]string
	var dropped, consumerDropped uint64
	for _, st := range res.status { // summed over the pairs by merge
		dropped += st.Dropped
		consumerDropped += st.ConsumerDropped
		rows = append(rows, []string{st.ID, fmt.Sprint(st.Frames), fmt.Sprintf("%.1f", st.FPS), fmt.Sprint(st.Dropped),
			fmt.Sprint(st.ConsumerDropped), fmt.Sprint(st.Reconnects), fmt.Sprintf("%d / %.1f MiB", st.RingFrames, float64(st.RingBytes)/(1<<20))})
	}
	lat := summarise(res.latency)
	b.r.p("**Two cameras, %d×%d at %d fps, each streamed to two clients** for %s in all (paced by ffmpeg's `-re`): each client is an HTTP "+
		"connection over loopback to a multipart handler in this process fed by a `Subscription` (the shape of the dashboard's stream). "+
		"Latency is from a frame's arrival (the time the camera stamps when the source hands it over) to a client's subscription having "+
		"it in hand: p50 %s, p99 %s, max %s over %d deliveries. RSS of the whole bench process: %d MiB before the cameras, %d MiB with them "+
		"(rings of 30 frames each).", w, h, fps, time.Duration(pairs)*d, us(lat.P50), us(lat.P99), us(lat.Max), lat.N, rssBefore>>10, rssAfter>>10)
	b.r.table([]string{"camera", "frames in the runs", "fps measured (last)", "dropped at capture (from the start)", "skipped by slow clients", "reconnects in the runs", "ring"}, rows)
	b.r.p("Clients received %v bytes in total.", res.clientBytes)
	b.goal("two 720p30 cameras, two clients each: frames dropped at capture", fmt.Sprintf("%d (clients skipped %d); arrival → consumer p99 %s; RSS %d MiB", dropped, consumerDropped, us(lat.P99), rssAfter>>10), "0", dropped == 0)
	b.r.p("**The control loop with the cameras running** (100 Hz, the runtime without other load): %d pairs of %s runs, without the "+
		"cameras then with them: period error p99 %v with, %v without; ratio within each pair %s, median **%.2f×**; missed ticks %d with, "+
		"%d without; garbage collections %d with, %d without; CPU steal up to %.1f %%.",
		pairs, d, usList(withP99), usList(withoutP99), ratioList(ratios), cr, withMissed, withoutMissed, withGCs, withoutGCs, 100*steal)
	b.goal("control loop p99 with two cameras running vs without", fmt.Sprintf("%.2f× (median of %d pairs), missed %d with vs %d without", cr, pairs, withMissed, withoutMissed), "≤ 1.1×, no extra missed ticks", cr <= 1.1 && withMissed <= withoutMissed)
	return nil
}

// clipStats reads a clip of concatenated JPEGs: its size and frames.
func clipStats(path string) (bytes, frames int) {
	b, _ := os.ReadFile(path)
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0xFF && b[i+1] == 0xD8 {
			frames++
		}
	}
	return len(b), max(frames, 1)
}

// connect GETs url, retrying while ffmpeg starts listening.
func connect(ctx context.Context, url string) (*http.Response, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			return resp, nil
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rawStreamRead reads the stream for d into one buffer, dropping it: the floor.
func rawStreamRead(ctx context.Context, url string, d time.Duration) (cpu time.Duration, n int64, err error) {
	resp, err := connect(ctx, url)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	buf := make([]byte, 64<<10)
	// Warm up as the camera does (its ring fills first).
	for n < 8<<20 {
		k, err := resp.Body.Read(buf)
		if err != nil {
			return 0, 0, err
		}
		n += int64(k)
	}
	n = 0
	c0, end := processCPU(), time.Now().Add(d)
	for time.Now().Before(end) {
		k, err := resp.Body.Read(buf)
		if err != nil {
			return 0, 0, err
		}
		n += int64(k)
	}
	return processCPU() - c0, n, nil
}

// ingest runs a camera on the stream for d and counts the frames it kept.
func ingest(ctx context.Context, url string, d time.Duration) (cpu time.Duration, frames int, err error) {
	src, err := camera.NewMJPEG(camera.MJPEGOptions{URL: url})
	if err != nil {
		return 0, 0, err
	}
	c, err := camera.New("ingest", src, camera.Options{BackoffMin: 20 * time.Millisecond})
	if err != nil {
		return 0, 0, err
	}
	c.Start(ctx)
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Status().Frames < 60 {
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("no frames from %s: %s", url, c.Status().Error)
		}
		time.Sleep(10 * time.Millisecond)
	}
	st0, c0 := c.Status(), processCPU()
	time.Sleep(d)
	cpu, st := processCPU()-c0, c.Status()
	if st.Dropped > st0.Dropped || st.Reconnects > st0.Reconnects {
		return 0, 0, fmt.Errorf("the camera dropped %d frames, reconnected %d times in the window: %s", st.Dropped-st0.Dropped, st.Reconnects-st0.Reconnects, st.Error)
	}
	f0 := st0.Frames
	return cpu, int(st.Frames - f0), nil
}

// cameraRig is cameras served by ffmpeg, each streamed by an HTTP
// multipart handler to clients reading over loopback.
type cameraRig struct {
	servers  []*cameratest.MJPEGServer
	cams     []*camera.Camera
	start    []camera.Status // once every camera had frames
	http     *http.Server
	cancel   context.CancelFunc
	wg       sync.WaitGroup // clients
	handlers sync.WaitGroup

	mu          sync.Mutex
	latency     []time.Duration
	clientBytes int64
}

type rigResult struct {
	status      []camera.Status
	start       []camera.Status // once every camera had frames
	latency     []time.Duration
	clientBytes int64
	rssKiB      int
}

func startCameraRig(ctx context.Context, ff string, v cameratest.Video, cameras, clients int) (*cameraRig, error) {
	ctx, cancel := context.WithCancel(ctx)
	rig := &cameraRig{cancel: cancel}
	mux := http.NewServeMux()
	for i := range cameras {
		srv, err := cameratest.NewMJPEGServer(ff, v, func(error) {})
		if err != nil {
			rig.stop()
			return nil, err
		}
		rig.servers = append(rig.servers, srv)
		src, err := camera.NewMJPEG(camera.MJPEGOptions{URL: srv.URL})
		if err != nil {
			rig.stop()
			return nil, err
		}
		c, err := camera.New(fmt.Sprintf("cam%d", i), src, camera.Options{BackoffMin: 20 * time.Millisecond})
		if err != nil {
			rig.stop()
			return nil, err
		}
		c.Start(ctx)
		rig.cams = append(rig.cams, c)
		mux.HandleFunc(fmt.Sprintf("/cam%d", i), rig.stream(c))
	}
	l, err := listenLoopback()
	if err != nil {
		rig.stop()
		return nil, err
	}
	rig.http = &http.Server{Handler: mux}
	go rig.http.Serve(l)
	for i := range cameras {
		for range clients {
			rig.wg.Add(1)
			go rig.client(ctx, fmt.Sprintf("http://%s/cam%d", l.Addr(), i))
		}
	}
	// Running once every camera has frames.
	deadline := time.Now().Add(15 * time.Second)
	for _, c := range rig.cams {
		for c.Status().Frames < 30 {
			if time.Now().After(deadline) {
				err := fmt.Errorf("camera %s has no frames: %s", c.ID(), c.Status().Error)
				rig.stop()
				return nil, err
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, c := range rig.cams {
		rig.start = append(rig.start, c.Status())
	}
	rig.mu.Lock()
	rig.latency = rig.latency[:0]
	rig.mu.Unlock()
	return rig, nil
}

// stream serves a camera as multipart MJPEG from a subscription, noting
// each frame's arrival → in-hand latency.
func (rig *cameraRig) stream(c *camera.Camera) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rig.handlers.Add(1)
		defer rig.handlers.Done()
		sub := c.Subscribe()
		defer sub.Close()
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=frame")
		var f camera.Frame
		lat := make([]time.Duration, 0, 4096)
		defer func() {
			rig.mu.Lock()
			rig.latency = append(rig.latency, lat...)
			rig.mu.Unlock()
		}()
		for {
			if err := sub.Next(r.Context(), &f); err != nil {
				return
			}
			lat = append(lat, time.Since(f.Time))
			fmt.Fprintf(w, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(f.JPEG))
			if _, err := w.Write(f.JPEG); err != nil {
				return
			}
			_, _ = io.WriteString(w, "\r\n")
			w.(http.Flusher).Flush()
		}
	}
}

// client reads a stream and drops it, as a browser showing it would.
func (rig *cameraRig) client(ctx context.Context, url string) {
	defer rig.wg.Done()
	resp, err := connect(ctx, url)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, resp.Body)
	rig.mu.Lock()
	rig.clientBytes += n
	rig.mu.Unlock()
}

func (rig *cameraRig) stop() rigResult {
	res := rigResult{start: rig.start}
	for _, c := range rig.cams {
		res.status = append(res.status, c.Status())
	}
	res.rssKiB, _ = procMem(os.Getpid())
	rig.cancel()
	if rig.http != nil {
		_ = rig.http.Close()
	}
	rig.wg.Wait()
	for _, c := range rig.cams {
		_ = c.Close()
	}
	rig.handlers.Wait()
	for _, s := range rig.servers {
		s.Stop()
	}
	rig.mu.Lock()
	res.latency = slices.Clone(rig.latency)
	res.clientBytes = rig.clientBytes
	rig.mu.Unlock()
	return res
}

// merge adds a pair's rig to the totals: frames, drops and reconnects
// summed per camera, latencies pooled, the last RSS.
func (res *rigResult) merge(r rigResult) {
	if res.status == nil {
		for _, st := range r.status {
			st.Frames, st.Dropped, st.ConsumerDropped, st.Reconnects = 0, 0, 0, 0
			res.status = append(res.status, st)
		}
	}
	for i := range r.status {
		st, st0 := r.status[i], r.start[i]
		res.status[i].Frames += st.Frames - st0.Frames
		res.status[i].Dropped += st.Dropped
		res.status[i].ConsumerDropped += st.ConsumerDropped - st0.ConsumerDropped
		res.status[i].Reconnects += st.Reconnects - st0.Reconnects
		res.status[i].FPS = st.FPS
	}
	res.latency = append(res.latency, r.latency...)
	res.clientBytes += r.clientBytes
	res.rssKiB = r.rssKiB
}

func usList(d []time.Duration) string {
	out := make([]string, len(d))
	for i, x := range d {
		out[i] = us(x)
	}
	return strings.Join(out, ", ")
}

func ratioList(r []float64) string {
	out := make([]string, len(r))
	for i, x := range r {
		out[i] = fmt.Sprintf("%.2f×", x)
	}
	return strings.Join(out, ", ")
}

func listenLoopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
