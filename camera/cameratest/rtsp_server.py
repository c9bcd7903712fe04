#!/usr/bin/python3
"""A real RTSP server for the camera tests: GStreamer's rtsp-server.

Usage: rtsp_server.py PORT PATH UDP_PORT

It serves rtsp://127.0.0.1:PORT/PATH, re-packetizing the MJPEG stream
that a publisher (ffmpeg -f rtp) sends as RTP/JPEG to 127.0.0.1:UDP_PORT.
It prints "ready" once it listens and runs until killed.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    port, path, udp_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        "( udpsrc address=127.0.0.1 port=%d "
        'caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=JPEG,payload=26" '
        "! rtpjpegdepay ! rtpjpegpay name=pay0 pt=26 )" % udp_port
    )
    factory.set_shared(True)
    server.get_mount_points().add_factory("/" + path, factory)
    if server.attach(None) == 0:
        print("cannot listen on port %s" % port, file=sys.stderr)
        sys.exit(1)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
