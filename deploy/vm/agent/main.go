// Command agent runs in the arm64 VM of make test-pi, and only there: it
// lets the test on the host run shell commands in the guest over qemu's
// port forward (POST /exec, the command as the body; the answer is its
// exit code and combined output as JSON). The image is a throwaway built
// for the test; nothing ships this program.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"os/exec"
	"strconv"
	"time"
)

type result struct {
	Code int    `json:"code"`
	Out  string `json:"out"`
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "pong\n") })
	mux.HandleFunc("POST /exec", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		timeout := 5 * time.Minute
		if s := r.URL.Query().Get("timeout"); s != "" {
			if n, err := strconv.Atoi(s); err == nil && n > 0 {
				timeout = time.Duration(n) * time.Second
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", string(b))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.WaitDelay = 2 * time.Second
		err = cmd.Run()
		res := result{Out: out.String()}
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			res.Code = ee.ExitCode()
		case err != nil:
			res.Code, res.Out = -1, res.Out+err.Error()
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	})
	srv := &http.Server{Addr: ":2222", Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
