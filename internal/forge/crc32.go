// Package forge performs, for tests, the attacks and faults payhook defends
// against. It is test infrastructure: nothing in the product imports it.
package forge

import (
	"bytes"
	"errors"
	"hash/crc32"
)

// CRC32Placeholder marks where SameCRC32 may write: twelve bytes inside a
// JSON string of the forged body.
const CRC32Placeholder = "@@@@@@@@@@@@"

// SameCRC32 returns forged with its placeholder rewritten so that the
// result has the CRC32 (IEEE) of genuine: what an attacker holding one
// genuine PayPal delivery does to replay its signature headers, which sign
// a CRC32 of the body rather than a digest, with a body of their own.
//
// CRC32 is affine over GF(2): for messages of one length,
// crc(a xor d) = crc(a) xor L(d) with L linear. The placeholder's twelve
// bytes each keep the high nibble 0x4 ('@' and 'A' to 'O', valid in any
// JSON string) and vary the low one: 48 free bits (32 scattered ones are
// not always independent), one linear system of rank 32.
func SameCRC32(genuine, forged []byte) ([]byte, error) {
	at := bytes.Index(forged, []byte(CRC32Placeholder))
	if at < 0 {
		return nil, errors.New("forged body has no placeholder")
	}
	base := bytes.Clone(forged)
	zeros := make([]byte, len(forged))
	offset := crc32.ChecksumIEEE(zeros)
	// columns[i] is L of the message with only free bit i set.
	columns := make([]uint32, 4*len(CRC32Placeholder))
	for i := range columns {
		delta := make([]byte, len(forged))
		delta[at+i/4] = 1 << (i % 4)
		columns[i] = crc32.ChecksumIEEE(delta) ^ offset
	}
	bits, ok := solve(columns, crc32.ChecksumIEEE(base)^crc32.ChecksumIEEE(genuine))
	if !ok {
		return nil, errors.New("no solution at this position; move the placeholder")
	}
	for i := range columns {
		if bits&(1<<i) != 0 {
			base[at+i/4] ^= 1 << (i % 4)
		}
	}
	return base, nil
}

// solve finds x with XOR of columns[i] for each set bit i of x equal to
// target, by Gaussian elimination over GF(2). At most 64 columns.
func solve(columns []uint32, target uint32) (uint64, bool) {
	// Each row: the combination of columns (which x bits) and the value it
	// produces; reduce to one row per leading value bit.
	type row struct {
		combo uint64
		value uint32
	}
	var pivots [32]*row
	for i, c := range columns {
		r := &row{combo: 1 << uint(i), value: c}
		for bit := 31; bit >= 0; bit-- {
			if r.value&(1<<bit) == 0 {
				continue
			}
			if pivots[bit] == nil {
				pivots[bit] = r
				break
			}
			r.value ^= pivots[bit].value
			r.combo ^= pivots[bit].combo
		}
	}
	var x uint64
	for bit := 31; bit >= 0; bit-- {
		if target&(1<<bit) == 0 {
			continue
		}
		if pivots[bit] == nil {
			return 0, false
		}
		target ^= pivots[bit].value
		x ^= pivots[bit].combo
	}
	return x, target == 0
}
