package payment_test

import (
	"testing"

	"github.com/payhook/payhook/shared/payment"
)

// FuzzMinorUnits: a decimal is converted exactly or refused, and what is
// converted formats back to the same number.
func FuzzMinorUnits(f *testing.F) {
	for _, seed := range []string{"20.00", "0.01", "1000", "1.234", "", ".5", "1e3", "-1", "00012.30"} {
		f.Add(seed, "USD")
	}
	f.Add("1000", "JPY")
	f.Add("1.234", "KWD")
	f.Fuzz(func(t *testing.T, value, currency string) {
		minor, err := payment.MinorUnits(value, currency)
		if err != nil {
			return
		}
		if minor < 0 {
			t.Fatalf("%q %s gave %d", value, currency, minor)
		}
		back, err := payment.MinorUnits(payment.FormatMinor(minor, currency), currency)
		if err != nil || back != minor {
			t.Fatalf("%q %s: %d formats to %q which reads back as %d (%v)", value, currency, minor, payment.FormatMinor(minor, currency), back, err)
		}
	})
}
