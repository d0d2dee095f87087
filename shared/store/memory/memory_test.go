package memory_test

import (
	"testing"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/memory"
	"github.com/payhook/payhook/shared/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.RunWebhooks(t, func(*testing.T) store.Webhooks { return memory.New() })
}
