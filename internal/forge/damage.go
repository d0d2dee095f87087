package forge

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
)

// DamageBytes is how much DamagePages writes into each page.
const DamageBytes = 64

// DamagePages does to a bbolt file what a failing disk can: DamageBytes
// random bytes written at a random place in every page after the two meta
// pages, which stay whole. It returns how many pages it damaged.
func DamagePages(path string, rng *rand.Rand) (int, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // G304: a test's own file
	if err != nil {
		return 0, err
	}
	// A meta page: a 16-byte page header, then magic, version, page size.
	if len(raw) < 28 {
		return 0, errors.New("not a bbolt file")
	}
	pageSize := int(binary.LittleEndian.Uint32(raw[24:28]))
	if pageSize <= DamageBytes || len(raw)%pageSize != 0 {
		return 0, errors.New("not a bbolt file")
	}
	// Written in place, as a disk would: a store that has the file open
	// and mapped sees the damage, and never a shorter file.
	f, err := os.OpenFile(path, os.O_WRONLY, 0) //nolint:gosec // G304: a test's own file
	if err != nil {
		return 0, err
	}
	pages := 0
	for page := 2; (page+1)*pageSize <= len(raw); page++ {
		at := page*pageSize + rng.IntN(pageSize-DamageBytes+1)
		noise := make([]byte, DamageBytes)
		for i := 0; i < DamageBytes; i += 8 {
			binary.LittleEndian.PutUint64(noise[i:], rng.Uint64())
		}
		if _, err := f.WriteAt(noise, int64(at)); err != nil {
			return pages, errors.Join(err, f.Close())
		}
		pages++
	}
	return pages, f.Close()
}
