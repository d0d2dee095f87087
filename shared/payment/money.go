package payment

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// currencyExponents are ISO 4217 minor units that are not 2.
var currencyExponents = map[string]int{
	// No minor unit.
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	// Three decimals.
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// Exponent is the number of decimals of the currency's minor unit.
func Exponent(currency string) int {
	if e, ok := currencyExponents[strings.ToUpper(currency)]; ok {
		return e
	}
	return 2
}

// MinorUnits turns a decimal string such as PayPal's "20.00" into minor
// units of currency: 2000 for USD, 20 for JPY "20". It refuses what it
// cannot convert exactly, rather than rounding someone's money.
func MinorUnits(value, currency string) (int64, error) {
	exponent := Exponent(currency)
	whole, fraction, hasPoint := strings.Cut(value, ".")
	if whole == "" || (hasPoint && fraction == "") || len(fraction) > exponent || !digits(whole) || !digits(fraction) {
		// The currency is the payload's: named only when it is a code.
		name := "the currency's"
		if len(currency) == 3 && isLetters(currency) {
			name = "a " + strings.ToUpper(currency)
		}
		return 0, fmt.Errorf("%w: amount is not %s decimal with at most %d places", ErrUnprocessable, name, exponent)
	}
	if len(whole) > 15 {
		return 0, fmt.Errorf("%w: amount too large", ErrUnprocessable)
	}
	var minor int64
	for _, c := range whole + fraction + strings.Repeat("0", exponent-len(fraction)) {
		minor = minor*10 + int64(c-'0')
	}
	return minor, nil
}

func isLetters(s string) bool {
	for _, c := range s {
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// FormatMinor writes minor units as the currency's decimal string, as
// PayPal sends amounts: 2000 USD is "20.00", 1000 JPY is "1000".
func FormatMinor(minor int64, currency string) string {
	exponent := Exponent(currency)
	s := strconv.FormatInt(minor, 10)
	if exponent == 0 {
		return s
	}
	if len(s) <= exponent {
		s = strings.Repeat("0", exponent-len(s)+1) + s
	}
	return s[:len(s)-exponent] + "." + s[len(s)-exponent:]
}

// Truncate cuts s to at most n bytes on a character boundary, marking the
// cut: for strings a payload or an error carries into a bounded field.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := max(n-len(mark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
