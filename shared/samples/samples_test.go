package samples_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/samples"
)

func TestUnknownTypesAndProvidersListWhatIsKnown(t *testing.T) {
	is := is.New(t)
	_, _, err := samples.Build("stripe", "customer.created", provider.SampleOptions{})
	is.True(strings.Contains(err.Error(), "payment_intent.succeeded"))
	_, _, err = samples.Build("nosuchprovider", "AUTHORISATION", provider.SampleOptions{})
	is.True(strings.Contains(err.Error(), strings.Join(registry.Names(), ", ")))
}

func TestEventIDsAreFreshUnlessGiven(t *testing.T) {
	is := is.New(t)
	_, first, _ := samples.Build("stripe", "charge.succeeded", provider.SampleOptions{})
	_, second, _ := samples.Build("stripe", "charge.succeeded", provider.SampleOptions{})
	is.True(first != second)
	_, given, _ := samples.Build("stripe", "charge.succeeded", provider.SampleOptions{EventID: "evt_given"})
	is.Equal(given, "evt_given")
}

func TestSigningWithoutAKeySaysWhichProvider(t *testing.T) {
	is := is.New(t)
	_, err := samples.Sign("paypal", []byte(`{}`), provider.Keys{"PAYHOOK_PAYPAL_WEBHOOK_ID": {"WH-1"}}, "evt", time.Now())
	is.True(errors.Is(err, provider.ErrNoSigningKey))
	is.True(strings.HasPrefix(err.Error(), "sign as PayPal: "))
}
