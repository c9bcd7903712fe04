// Package camera captures cameras: a Camera runs one Source (a kind of
// camera: USB through V4L2, MJPEG over HTTP, RTSP through a supervised
// ffmpeg, a simulated one) on a goroutine of its own, reconnects with
// bounded backoff when the source's connection ends, and keeps the last
// frames in a ring bounded by count and bytes whose buffers are reused,
// so a steady stream allocates nothing per frame.
//
// Frames flow one way: source → emit (checked, standard Huffman tables
// inserted when the frame has none, copied into the ring) → readers.
// Readers copy frames out into buffers of their own (Latest, At, a
// Subscription's Next), so no reader ever sees a buffer the ring reuses,
// and the capture goroutine never waits for a reader beyond one copy
// under a read lock. Nothing here runs on the control loop.
package camera
