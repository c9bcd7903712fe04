// Package wire is the Lizard serial protocol, without a driver: lines
// with their 8-bit checksums (AppendLine, ParseLine), a bounded line
// reader (LineReader), the core message's fields and their decoding
// (Field, CoreDecoder), the controller's clock mapped to the host's
// (ClockSync) and the JBD BMS frames a battery module reads (BMSFrame,
// EncodeBMS). The driver (package lizard), the simulated controller
// (lizardtest, cmd/lizardsim) and the bench use it; it imports nothing
// of them, so its fuzz targets run on the parsers alone.
package wire
