// Command testprog stands in for other programs in the arm64 VM test
// (make test-pi); its behaviour is fixed at build time with
// -ldflags "-X main.mode=...":
//
//	exit   a broken release: exits with status 1 at once
//	hang   a release that starts and never becomes ready (no READY=1)
//	hello  the trivial Go service the robot's boot time is compared with:
//	       sends READY=1 and serves "hello" over HTTP on :8090
//
// `testprog version` answers like rosys ("rosys <version>").
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

var (
	mode    = "hello"
	version = "testprog"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Printf("rosys %s\n", version)
		return
	}
	switch mode {
	case "exit":
		fmt.Fprintln(os.Stderr, "testprog: a broken release, exiting at once")
		os.Exit(1)
	case "hang":
		fmt.Fprintln(os.Stderr, "testprog: running, never ready")
		for {
			time.Sleep(time.Hour)
		}
	default:
		srv := &http.Server{Addr: ":8090", ReadHeaderTimeout: 5 * time.Second,
			Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "hello") })}
		go func() {
			_, _ = daemon.SdNotify(false, daemon.SdNotifyReady)
		}()
		if err := srv.ListenAndServe(); err != nil {
			fmt.Fprintln(os.Stderr, "testprog:", err)
			os.Exit(1)
		}
	}
}
