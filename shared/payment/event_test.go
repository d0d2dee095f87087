package payment_test

import (
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/shared/payment"
)

func TestParseTypes(t *testing.T) {
	is := is.New(t)
	types, err := payment.ParseTypes(" dispute.opened, payment.failed ,")
	is.NoErr(err)
	is.Equal(types, []payment.Type{payment.DisputeOpened, payment.Failed})
	_, err = payment.ParseTypes("dispute.opened,chargeback")
	is.True(strings.HasPrefix(err.Error(), `"chargeback" is not a canonical event type (payment.succeeded, payment.failed, `))
}
