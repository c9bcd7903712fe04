// Package ntrip is an NTRIP client (versions 1 and 2) that streams RTCM 3
// corrections from a caster's mountpoint to a GNSS receiver, so that the
// receiver can reach an RTK fix.
//
// The Client connects in the background (Start), writes the request
// itself (NTRIP 1's answer "ICY 200 OK" is not HTTP), reads the answer
// with every line and the whole header bounded, takes NTRIP 2's chunked
// body apart, checks each RTCM 3 frame (preamble 0xD3, length, CRC-24Q;
// Framer) and hands only intact frames to its Sink — the GNSS driver's
// serial port (gnss.Driver.WriteCorrections). A caster that needs the
// rover's position (a virtual reference station) gets an NMEA GGA of the
// current fix every GGAInterval. A lost or refused connection is retried
// with bounded exponential backoff; each failure names its cause (a 401,
// a source table for a missing mountpoint, garbage instead of an answer).
// A caster that closes on a version 2 request without a word (RTKLIB's)
// is asked in version 1 next.
//
// The password is held in memory only: it is never written to status,
// logs or errors, and robot.yaml names the environment variable it comes
// from, not the password.
package ntrip
