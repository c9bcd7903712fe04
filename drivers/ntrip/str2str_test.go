package ntrip_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/gnss"
	"github.com/gorosys/rosys/drivers/gnss/gnsstest"
	"github.com/gorosys/rosys/drivers/ntrip"
	"github.com/gorosys/rosys/drivers/ntrip/ntriptest"
	"github.com/gorosys/rosys/hardware"
)

// The whole path on real parts: RTKLIB's caster serves RTCM 3 frames, the
// client streams them into the GNSS driver's serial port, and the
// simulated receiver on the other end of the pty gets exactly the bytes
// served; str2str killed mid-stream and started again, the client
// reconnects by itself and the stream goes on.
func TestStreamsFromStr2strToTheReceiversPort(t *testing.T) {
	const user, pass, mount = "rover", "s3cret-Pa55", "RTCM3"
	caster := ntriptest.StartStr2str(t, user, pass, mount)
	ref, _ := hardware.NewGeoReference(48.1, 11.5)
	link := filepath.Join(t.TempDir(), "gnss")
	rcv, err := gnsstest.Start(gnsstest.Config{Link: link, Reference: ref, Period: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rcv.Close()
	drv, err := gnss.New(gnss.Config{Port: link})
	if err != nil {
		t.Fatal(err)
	}
	_ = drv.Start(context.Background())
	defer drv.Stop(context.Background())
	cl, err := ntrip.New(ntrip.Config{Host: "127.0.0.1", Port: caster.Port, Mountpoint: mount, User: user, Password: pass,
		Sink: drv.WriteCorrections, GGAInterval: 200 * time.Millisecond,
		Position:     func() (hardware.GNSS, bool) { return drv.Fresh() },
		ReconnectMin: 20 * time.Millisecond, ReconnectMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	events, unsub := cl.SubscribeEvents(64)
	defer unsub()
	_ = cl.Start(context.Background())
	defer cl.Stop(context.Background())
	waitFor(t, "the receiver's port open", func() bool { return drv.Status().Connected })
	waitConnected(t, events, caster)

	served, frames := ntriptest.Frames(0, 60)
	sendPaced(t, caster, frames)
	waitReceived(t, rcv, served)

	// A crash of the caster mid-stream: the client notices, retries with
	// backoff, and connects to the caster started again.
	caster.Kill()
	waitLost(t, events)
	caster.Start()
	waitConnected(t, events, caster)
	more, frames := ntriptest.Frames(60, 60)
	served = append(served, more...)
	sendPaced(t, caster, frames)
	waitReceived(t, rcv, served)

	st := cl.Status()
	if st.Messages != 120 || st.Bytes != uint64(len(served)) || st.BadFrames != 0 || st.Dropped != 0 || st.Reconnects < 1 ||
		st.LastMessageType != 1005 || st.LastMessageAgeS == nil || !st.Connected {
		t.Fatalf("client status %+v", st)
	}
	if gs := drv.Status(); gs.CorrectionBytes != uint64(len(served)) || gs.CorrectionsDropped != 0 {
		t.Fatalf("gnss status: %d correction bytes, %d dropped; want %d, 0", gs.CorrectionBytes, gs.CorrectionsDropped, len(served))
	}
	if st.GGASent == 0 {
		t.Fatal("no GGA went up although the receiver has a fix")
	}
	if strings.Contains(st.LastError, pass) || strings.Contains(st.Caster, pass) {
		t.Fatalf("the password in status: %+v", st)
	}
}

// sendPaced serves frames a few at a time, as a station's epochs come.
func sendPaced(t *testing.T, c *ntriptest.Str2str, frames [][]byte) {
	t.Helper()
	for i := 0; i < len(frames); i += 6 {
		var b []byte
		for _, f := range frames[i:min(i+6, len(frames))] {
			b = append(b, f...)
		}
		if err := c.Send(b); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // pacing like a station, not a wait for a result
	}
}

func waitReceived(t *testing.T, rcv *gnsstest.Receiver, want []byte) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		got := rcv.Received()
		if bytes.Equal(got, want) {
			return
		}
		if len(got) > len(want) || !bytes.Equal(got, want[:len(got)]) {
			t.Fatalf("the receiver got %d bytes that differ from the %d served (first difference at %d)", len(got), len(want), firstDiff(got, want))
		}
		select {
		case <-rcv.Got():
		case <-deadline:
			t.Fatalf("the receiver got %d of the %d bytes served", len(got), len(want))
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func waitConnected(t *testing.T, events <-chan ntrip.Event, c *ntriptest.Str2str) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Connected {
				return
			}
		case <-deadline:
			t.Fatalf("the client did not connect; str2str says:\n%s", c.Log())
		}
	}
}

func waitLost(t *testing.T, events <-chan ntrip.Event) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case e := <-events:
			if !e.Connected {
				return
			}
		case <-deadline:
			t.Fatal("the client did not notice the caster's end")
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
