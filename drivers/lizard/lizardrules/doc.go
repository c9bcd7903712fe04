// Package lizardrules checks Lizard startup code against the rules of the
// Lizard firmware (github.com/zauberzeug/lizard), independently of the
// code generator: it parses each line with the grammar of Lizard's
// language.owl and replays the statements on a model of the controller
// (modules, variables, UARTs, the CAN driver, GPIOs, line buffers), so a
// script it accepts is one the firmware runs to the end.
//
// Lizard runs its startup script as one call at boot: the first error
// skips every later line, core.output included, and the robot has no
// telemetry at all. So every rule below is one whose violation stops or
// aborts that call. The numbers are Lizard's; each names where it comes
// from.
package lizardrules

// Limits from Lizard's sources.
const (
	// HostLineMax is the longest line the host may send, newline
	// included: main.cpp reads UART0 lines into input[BUFFER_SIZE] with
	// BUFFER_SIZE 1024, reading pos+1 bytes (the line and its '\n').
	HostLineMax = 1024
	// EchoLineMax is the longest line Lizard prints, without its
	// "@xx\n": uart.cpp's echo formats into buffer[1024] with
	// vsnprintf(buffer, sizeof(buffer)-1, ...), so at most 1022
	// characters survive; a longer line is cut.
	EchoLineMax = 1022
	// CoreOutputMax is the longest value part of a core line: core.cpp's
	// get_output writes into output_buffer[1024] with csprintf, which
	// throws "buffer too small" past 1023 characters.
	CoreOutputMax = 1023
	// ProxyLineMax is the longest constructor line an expander forwards:
	// expander.cpp's send_proxy formats "<name> = <Type>(<args>);
	// <name>.broadcast()" into buffer[512] with csprintf (at most 511).
	ProxyLineMax = 511
	// NumberIntDigits bounds the integer digits of a number property in
	// the worst-case width of a core line. A double may have 309, but a
	// speed, angle or current beyond 10^10 is a broken sensor, not a
	// value to size buffers for; quaternion components are within ±1.
	NumberIntDigits = 10
)

// UARTs a Serial may take: ESP32 and ESP32-S3 have UART 0, 1 and 2, and
// UART 0 is Lizard's console (installed in app_main), so Serial(..., 0)
// fails with "serial interface is already in use".
var UARTs = []int{1, 2}

// CANBauds are the baud rates can.cpp accepts; any other throws "invalid
// baud rate".
var CANBauds = []int{1000000, 800000, 500000, 250000, 125000, 100000, 50000, 25000}
