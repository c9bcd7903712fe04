package camera

import (
	"bytes"
	"context"
	"testing"
)

func TestSubscriptionDeliversAndCountsDrops(t *testing.T) {
	src := newChanSource()
	c := startCamera(t, src, Options{RingFrames: 3})
	fast := c.Subscribe()
	slow := c.Subscribe() // never reads while the frames come
	defer fast.Close()
	defer slow.Close()
	ctx := context.Background()
	frames := make([][]byte, 10)
	var f Frame
	for k := range frames {
		frames[k] = testJPEG(t, 32, 24, k)
		src.send(frames[k]) // the producer never waits for slow
		if err := fast.Next(ctx, &f); err != nil {
			t.Fatal(err)
		}
		if f.Seq != uint64(k+1) || !bytes.Equal(f.JPEG, frames[k]) {
			t.Fatalf("fast subscriber got seq %d for frame %d", f.Seq, k+1)
		}
	}
	if fast.Dropped() != 0 {
		t.Fatalf("fast subscriber dropped %d", fast.Dropped())
	}
	// The slow one gets the newest at once, then skips nothing more.
	if err := slow.Next(ctx, &f); err != nil || f.Seq != 10 {
		t.Fatalf("slow subscriber: seq %d, %v", f.Seq, err)
	}
	src.send(frames[0])
	src.send(frames[1])
	src.send(frames[2])
	if err := slow.Next(ctx, &f); err != nil || f.Seq != 13 || !bytes.Equal(f.JPEG, frames[2]) {
		t.Fatalf("slow subscriber: seq %d, %v", f.Seq, err)
	}
	if slow.Dropped() != 2 || c.Status().ConsumerDropped != 2 {
		t.Fatalf("slow subscriber dropped %d, status %d; want 2", slow.Dropped(), c.Status().ConsumerDropped)
	}
	// A cancelled context ends a waiting Next.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := slow.Next(cctx, &f); err != context.Canceled {
		t.Fatalf("Next with a cancelled context: %v", err)
	}
	// A closed subscription ends its Next.
	slow.Close()
	if err := slow.Next(ctx, &f); err != ErrClosed {
		t.Fatalf("Next after Close: %v", err)
	}
}
