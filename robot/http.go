package robot

import (
	"context"
	"github.com/gorosys/rosys/deploy"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/gorosys/rosys/ui"
	"go.uber.org/zap"
)

// Bounds on HTTP clients, so that slow or many clients cannot take the
// descriptors, memory or time that the robot needs.
const (
	// httpReadHeaderTimeout is short: until its headers are read a
	// connection is nobody's (see connPool), and an operator's arrive in
	// milliseconds.
	httpReadHeaderTimeout = 5 * time.Second
	// httpReadTimeout bounds reading a whole request, body included: a
	// client trickling a body a byte at a time is cut off. Imports extend
	// it for themselves (ui.transferTimeout), one at a time.
	httpReadTimeout = 20 * time.Second
	// httpWriteTimeout bounds a response; longer than a PUT ?sync=1 may
	// wait for durability (30 s). Exports and event streams set their own.
	httpWriteTimeout = 45 * time.Second
	httpIdleTimeout  = 60 * time.Second
	httpMaxHeader    = 64 << 10
	// httpMaxConns bounds open connections (memory: ~20 KiB each); fewer
	// when the descriptor limit is low (see connLimit). Reaching it closes
	// others' connections, never refuses an operator (see connPool).
	httpMaxConns = 4096
	// httpOperatorReserve connections (at most a quarter of the bound) are
	// kept for operators' requests: those with the token, or from
	// loopback when no token is set.
	httpOperatorReserve = 64
	// fdReserve descriptors are never given to HTTP clients: backups
	// (up to 4 files at once, the directory, .prev links), the mirror,
	// the journal, the daily archive and the final flush need them.
	fdReserve = 64
	// httpShutdownGrace is how long shutdown waits for requests in flight
	// before it closes their connections: a slow client must not eat the
	// time the drivers and the final flush are given.
	httpShutdownGrace = 2 * time.Second
)

// httpServer is the robot's HTTP API (package ui): status with the
// hardware, modules, operating endpoints, the Lizard console, /metrics.
func (r *Robot) httpServer() (*http.Server, *ui.Server, error) {
	reg, err := metricsRegistry(r.Runtime, r.hw)
	if err != nil {
		return nil, nil, err
	}
	opts := []ui.Option{}
	pool, _ := r.ln.(*connPool)
	if pool != nil {
		opts = append(opts, ui.WithConnClass(pool.classify))
	}
	if r.Cameras != nil {
		opts = append(opts, ui.WithCameras(r.Cameras.API()))
	}
	api := ui.NewServer(r.Runtime, append(opts, ui.WithToken(r.Config.Token()), ui.WithLogger(r.log), ui.WithHardware(r.Hardware),
		ui.WithVersion(deploy.RunningVersions(r.version).Now),
		ui.WithListenAddr(r.Addr()), ui.WithMetrics(reg), ui.WithLizard(ui.LizardExchange(r.hw.Exchange)),
		ui.WithOperation(ui.Operation{Automator: r.Automator, Steerer: r.Steerer, SoftEStop: r.SoftEStop, Driving: r.Driving,
			Stops: r.Stops, Commit: r.CommitOperating, Pose: r}), ui.WithNavigator(r.Navigator))...)
	srv := newHTTPServer(api)
	if pool != nil {
		srv.ConnState, srv.ConnContext = pool.connState, pool.connContext
	}
	srv.RegisterOnShutdown(api.CloseStreams)
	return srv, api, nil
}

func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: httpReadHeaderTimeout,
		ReadTimeout:       httpReadTimeout,
		WriteTimeout:      httpWriteTimeout,
		IdleTimeout:       httpIdleTimeout,
		MaxHeaderBytes:    httpMaxHeader,
	}
}

// shutdownHTTP stops taking requests, waits a little for those in flight,
// then closes what is left (slow uploads, streams), all within ctx. An
// import under way is stopped first and waited for (ui.StopImports): it
// is rolled back unless it already committed, and its client gets the
// answer before the connections close.
func shutdownHTTP(ctx context.Context, srv *http.Server, api *ui.Server, log *zap.Logger) {
	if err := api.StopImports(ctx); err != nil {
		log.Warn("http: an import did not end before the shutdown deadline; a restart rolls it back", zap.Error(err))
	}
	sctx, cancel := context.WithTimeout(ctx, httpShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http: requests still in flight at shutdown; their connections were closed", zap.Error(err))
		_ = srv.Close()
	}
}

// raiseFileLimit lifts the soft limit on open descriptors to the hard
// limit (systemd's default soft limit is 1024, its hard limit far higher),
// and returns the soft limit in force.
func raiseFileLimit(log *zap.Logger) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 1024
	}
	if lim.Cur < lim.Max {
		want := lim
		want.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err == nil {
			lim.Cur = want.Cur
		} else {
			log.Warn("cannot raise the open-files limit", zap.Uint64("soft", lim.Cur), zap.Uint64("hard", lim.Max), zap.Error(err))
		}
	}
	return lim.Cur
}

// connLimit is how many HTTP connections may be open: httpMaxConns, or
// fewer so that fdReserve descriptors stay free beside those open now.
func connLimit(soft uint64) int {
	open := uint64(64) // a guess when /proc is missing
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		open = uint64(len(fds))
	}
	if soft <= open+fdReserve+2 {
		return 2
	}
	return int(min(soft-open-fdReserve, httpMaxConns))
}
