// Package cameratest runs real network cameras for tests and benchmarks:
// ffmpeg serving MJPEG over HTTP (a network camera's multipart stream),
// and GStreamer's RTSP server (python3-gi, gir1.2-gst-rtsp-server-1.0)
// fed by ffmpeg publishing RTP/JPEG, each stoppable and restartable
// mid-stream on the same address. Missing tools skip the test, or fail it
// under CI (internal/testtool).
package cameratest
