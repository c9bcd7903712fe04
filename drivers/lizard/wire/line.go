package wire

import (
	"errors"
	"fmt"
)

// Errors for lines that fail the checksum; such lines are counted and
// dropped, never interpreted.
var (
	ErrNoChecksum  = errors.New("line has no @xx checksum")
	ErrBadChecksum = errors.New("line checksum does not match")
)

// Checksum is Lizard's 8-bit checksum: the XOR of every byte of the line
// before the "@" (the newline is not part of it).
func Checksum(b []byte) byte {
	var cs byte
	for _, c := range b {
		cs ^= c
	}
	return cs
}

const hexDigits = "0123456789abcdef"

// AppendLine appends "<cmd>@<cs>\n" to dst, with cs as two lowercase hex
// digits.
func AppendLine(dst []byte, cmd string) []byte {
	cs := Checksum([]byte(cmd))
	dst = append(dst, cmd...)
	return append(dst, '@', hexDigits[cs>>4], hexDigits[cs&0xf], '\n')
}

// AppendLineBytes is AppendLine for a command in bytes.
func AppendLineBytes(dst, cmd []byte) []byte {
	cs := Checksum(cmd)
	dst = append(dst, cmd...)
	return append(dst, '@', hexDigits[cs>>4], hexDigits[cs&0xf], '\n')
}

// ParseLine checks a received line (without its line ending) and returns
// its payload, the part before "@xx". Upper-case hex is accepted too.
func ParseLine(line []byte) ([]byte, error) {
	n := len(line)
	if n < 3 || line[n-3] != '@' {
		return nil, ErrNoChecksum
	}
	hi, ok1 := unhex(line[n-2])
	lo, ok2 := unhex(line[n-1])
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%w: %q is not hex", ErrNoChecksum, line[n-2:])
	}
	payload := line[:n-3]
	if got := Checksum(payload); got != hi<<4|lo {
		return nil, fmt.Errorf("%w: computed %02x, line says %s", ErrBadChecksum, got, line[n-2:])
	}
	return payload, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
