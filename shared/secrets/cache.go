package secrets

import (
	"context"
	"reflect"
	"sync"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Loader fetches the current keys.
type Loader func(ctx context.Context) (provider.Keys, error)

// Cache serves keys from memory, reloading them when older than TTL and, on
// request after a failed verification, at most once per MinRefresh: forged
// deliveries must not turn into a flood of Secrets Manager calls. When a
// reload fails the keys already held stay in use; with none held, the
// failure is served again until MinRefresh has passed.
type Cache struct {
	Load       Loader
	TTL        time.Duration
	MinRefresh time.Duration
	Now        func() time.Time
	// OnError is told about failed reloads that were covered by held keys.
	OnError func(error)

	mu          sync.Mutex
	keys        provider.Keys
	loaded      bool
	loadedAt    time.Time
	lastAttempt time.Time
	lastErr     error
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Keys returns the cached keys, loading them first when absent or stale.
func (c *Cache) Keys(ctx context.Context) (provider.Keys, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.loaded && (now.Sub(c.loadedAt) < c.TTL || now.Sub(c.lastAttempt) < c.MinRefresh) {
		return c.keys, nil
	}
	if !c.loaded && c.lastErr != nil && now.Sub(c.lastAttempt) < c.MinRefresh {
		return provider.Keys{}, c.lastErr
	}
	_, err := c.reload(ctx)
	if err != nil && !c.loaded {
		return provider.Keys{}, err
	}
	return c.keys, nil
}

// Refresh reloads now unless the last load was within MinRefresh.
func (c *Cache) Refresh(ctx context.Context) (provider.Keys, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded && c.now().Sub(c.lastAttempt) < c.MinRefresh {
		return c.keys, false
	}
	changed, _ := c.reload(ctx)
	return c.keys, changed
}

func (c *Cache) reload(ctx context.Context) (bool, error) {
	c.lastAttempt = c.now()
	keys, err := c.Load(ctx)
	c.lastErr = err
	if err != nil {
		if c.loaded && c.OnError != nil {
			c.OnError(err)
		}
		return false, err
	}
	changed := c.loaded && !reflect.DeepEqual(keys, c.keys)
	c.keys, c.loaded, c.loadedAt = keys, true, c.now()
	return changed, nil
}

// Static serves fixed keys: local runs, where the keys come from the
// environment and change only with a restart.
type Static provider.Keys

func (s Static) Keys(context.Context) (provider.Keys, error)   { return provider.Keys(s), nil }
func (s Static) Refresh(context.Context) (provider.Keys, bool) { return provider.Keys(s), false }
