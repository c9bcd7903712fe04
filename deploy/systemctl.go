package deploy

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Systemctl is the Service of a unit, through systemctl.
type Systemctl struct{ Unit string }

var _ Service = Systemctl{}

// Restart implements Service: stop (waiting for the final flush; it also
// ends a crash loop's pending restart), reset-failed (a crash loop may
// have hit the start limit), then start --no-block (a unit that never
// becomes ready would hold a blocking start for TimeoutStartSec). After
// the stop the unit is inactive, so the states seen next are the new
// process's own: an "auto-restart" left from before cannot be mistaken
// for the new process exiting.
func (s Systemctl) Restart(ctx context.Context) error {
	if _, err := s.run(ctx, "stop", s.Unit); err != nil {
		return err
	}
	_, _ = s.run(ctx, "reset-failed", s.Unit)
	_, err := s.run(ctx, "start", "--no-block", s.Unit)
	return err
}

// State implements Service.
func (s Systemctl) State(ctx context.Context) (ServiceState, error) {
	out, err := s.run(ctx, "show", "-p", "ActiveState,SubState,MainPID,NRestarts,Result", s.Unit)
	if err != nil {
		return ServiceState{}, err
	}
	return parseShow(out), nil
}

func parseShow(out []byte) ServiceState {
	var st ServiceState
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		switch k {
		case "ActiveState":
			st.Active = v
		case "SubState":
			st.Sub = v
		case "MainPID":
			st.MainPID, _ = strconv.Atoi(v)
		case "NRestarts":
			st.NRestarts, _ = strconv.Atoi(v)
		case "Result":
			st.Result = v
		}
	}
	return st
}

func (s Systemctl) run(ctx context.Context, args ...string) ([]byte, error) {
	// stop waits for the unit's TimeoutStopSec (30 s) at most, and more
	// under load.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "systemctl", args...)
	var out, errb bytes.Buffer
	cmd.Stdout = &limitedWriter{w: &out, n: 64 << 10}
	cmd.Stderr = &limitedWriter{w: &errb, n: 8 << 10}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("systemctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}
