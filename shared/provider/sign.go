package provider

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Sign returns the headers with which the named provider would deliver body,
// signed with the first active key of keys. It is for sending test and
// development deliveries (payhook send, payhook demo, tests); PayPal's
// signature needs a development signer, whose certificate only a
// development verifier trusts. For Standard Webhooks, eventID becomes
// webhook-id.
func Sign(name string, body []byte, keys Keys, paypal *DevPayPal, eventID string, at time.Time) (http.Header, error) {
	h := http.Header{}
	switch name {
	case "stripe":
		if len(keys.StripeSigningSecrets) == 0 {
			return nil, errors.New("no Stripe signing secret")
		}
		h.Set(stripeSignatureHeader, SignStripe(body, keys.StripeSigningSecrets[0], at))
	case "square":
		if len(keys.SquareSignatureKeys) == 0 || keys.SquareNotificationURL == "" {
			return nil, errors.New("no Square signature key and notification URL")
		}
		h.Set(squareSignatureHeader, SignSquare(body, keys.SquareSignatureKeys[0], keys.SquareNotificationURL))
	case "paypal":
		if paypal == nil || keys.PayPalWebhookID == "" {
			return nil, errors.New("no PayPal development signer and webhook id")
		}
		var id [16]byte
		rand.Read(id[:])
		signed, err := paypal.Sign(body, keys.PayPalWebhookID, hex.EncodeToString(id[:]), at)
		if err != nil {
			return nil, err
		}
		h = signed
	case "standard":
		if len(keys.StandardWebhookSecrets) == 0 {
			return nil, errors.New("no Standard Webhooks secret")
		}
		signature, err := SignStandard(body, keys.StandardWebhookSecrets[0], eventID, at)
		if err != nil {
			return nil, err
		}
		h.Set(standardIDHeader, eventID)
		h.Set(standardTimestampHeader, strconv.FormatInt(at.Unix(), 10))
		h.Set(standardSignatureHeader, signature)
	default:
		return nil, fmt.Errorf("unknown provider %q", name)
	}
	h.Set("Content-Type", "application/json")
	return h, nil
}
