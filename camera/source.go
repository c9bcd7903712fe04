package camera

import (
	"context"
	"time"
)

// Source is a kind of camera: a USB camera (V4L2), a network camera
// (MJPEG over HTTP, RTSP through ffmpeg), a simulated one.
//
// Run connects, then calls emit for every complete JPEG frame it reads,
// with the time the frame arrived (the zero time: the Camera's clock at
// the call). The bytes are only borrowed for the call: emit copies them
// into the Camera's ring, so a source reads every frame into the same
// buffer. Run returns when the connection ends (unplugged, network drop,
// end of stream, a subprocess that exits) or ctx is done; the Camera then
// reconnects with backoff by calling Run again. emit is never called
// after Run returns and never blocks on a consumer.
type Source interface {
	// Name says what the source is for status and errors, without
	// credentials ("mjpeg http://10.0.0.5/video.mjpg").
	Name() string
	Run(ctx context.Context, emit func(jpeg []byte, t time.Time)) error
}

// ClockDriven is implemented by a source that waits only on the Camera's
// clock (clock.Timer) and never on I/O, such as a simulated camera: its
// capture goroutine is started with the clock's Go, so a virtual clock
// (rosystest) drives it deterministically. A source blocking on I/O must
// not report true, or a virtual clock could not advance.
type ClockDriven interface {
	ClockDriven() bool
}
