package deadletter_test

import (
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/deadletter"
)

func TestWebhookOfRefusesOtherMessages(t *testing.T) {
	_, _, err := deadletter.WebhookOf([]byte(`{"requestContext":{"condition":"RetryAttemptsExhausted"}}`))
	is.New(t).True(err != nil)
}
