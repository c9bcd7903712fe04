package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// Journal segments are files of records:
//
//	segment := magic record*
//	record  := length:uint32be crc:uint32be payload[length]
//	payload := time:varint tick:uvarint kind:byte source:bytes data:bytes offset:uvarint
//	bytes   := length:uvarint byte*
//
// crc is CRC-32C of the payload. A power cut mid-append leaves a short or
// garbage tail, which the reader detects (short record, bad length, CRC
// mismatch) and recovery truncates.
const (
	segmentMagic   = "RJNL1\n"
	maxRecordBytes = 1 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Record kinds.
const (
	RecordInput   = 'i' // something a driver received (a serial line, a GPIO edge)
	RecordCommand = 'c' // a command a driver sent
	RecordTick    = 't' // a control tick marker
)

// Record is one journal entry.
type Record struct {
	Time   time.Time
	Tick   uint64
	Kind   byte
	Source string
	Data   []byte
	// Offset counts the bytes the source recorded before this record, so
	// an offsets-only journal still says where each event was.
	Offset uint64
}

var errTorn = errors.New("torn or damaged record")

func appendRecord(dst []byte, r Record) []byte {
	var p []byte
	p = binary.AppendVarint(p, r.Time.UnixNano())
	p = binary.AppendUvarint(p, r.Tick)
	p = append(p, r.Kind)
	p = binary.AppendUvarint(p, uint64(len(r.Source)))
	p = append(p, r.Source...)
	p = binary.AppendUvarint(p, uint64(len(r.Data)))
	p = append(p, r.Data...)
	p = binary.AppendUvarint(p, r.Offset)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(p)))
	dst = binary.BigEndian.AppendUint32(dst, crc32.Checksum(p, crcTable))
	return append(dst, p...)
}

// parseRecord decodes the record at the start of b and returns its size,
// or errTorn when b does not start with a complete, intact record.
func parseRecord(b []byte) (Record, int, error) {
	if len(b) < 8 {
		return Record{}, 0, errTorn
	}
	n := binary.BigEndian.Uint32(b)
	if n == 0 || n > maxRecordBytes || uint64(len(b)-8) < uint64(n) {
		return Record{}, 0, errTorn
	}
	p := b[8 : 8+n]
	if crc32.Checksum(p, crcTable) != binary.BigEndian.Uint32(b[4:]) {
		return Record{}, 0, errTorn
	}
	var r Record
	t, k := binary.Varint(p)
	if k <= 0 {
		return r, 0, fmt.Errorf("%w: time", errTorn)
	}
	p = p[k:]
	if r.Tick, k = binary.Uvarint(p); k <= 0 || len(p) <= k {
		return r, 0, fmt.Errorf("%w: tick", errTorn)
	}
	p = p[k:]
	r.Kind, p = p[0], p[1:]
	src, p, ok := readBytes(p)
	if !ok {
		return r, 0, fmt.Errorf("%w: source", errTorn)
	}
	data, p, ok := readBytes(p)
	if !ok {
		return r, 0, fmt.Errorf("%w: data", errTorn)
	}
	if r.Offset, k = binary.Uvarint(p); k <= 0 || k != len(p) {
		return r, 0, fmt.Errorf("%w: offset", errTorn)
	}
	r.Time, r.Source, r.Data = time.Unix(0, t), string(src), data
	return r, int(8 + n), nil
}

func readBytes(p []byte) ([]byte, []byte, bool) {
	n, k := binary.Uvarint(p)
	if k <= 0 || uint64(len(p)-k) < n {
		return nil, nil, false
	}
	return p[k : k+int(n)], p[k+int(n):], true
}
