package paypal

import (
	"strconv"
	"testing"
	"time"

	"github.com/matryer/is"
)

func TestCertificateCacheIsAnLRU(t *testing.T) {
	is := is.New(t)
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	var cache lru[int]
	for i := range maxCachedCerts {
		cache.put(strconv.Itoa(i), i, now.Add(time.Hour), maxCachedCerts)
	}
	_, ok := cache.get("0", now) // the oldest, used again just now
	is.True(ok)
	cache.put("new", -1, now.Add(time.Hour), maxCachedCerts)
	_, ok = cache.get("0", now)
	is.True(ok) // recently used: kept, where the old cache emptied itself
	_, ok = cache.get("1", now)
	is.True(!ok) // least recently used: evicted, and only it
	for i := 2; i < maxCachedCerts; i++ {
		_, ok := cache.get(strconv.Itoa(i), now)
		is.True(ok)
	}
	_, ok = cache.get("new", now.Add(time.Hour))
	is.True(!ok) // expired
}
