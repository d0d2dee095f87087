package provider

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash/crc32"
	"strconv"
	"time"
)

// PayPal verifies a delivery offline, as PayPal's SDKs do: SHA256withRSA over
// "<transmission id>|<transmission time>|<webhook id>|<CRC32 of body>", with
// the public key of the certificate named by PAYPAL-CERT-URL. Certs decides
// whether that URL and certificate are to be trusted.
//
// PayPal's transmission time is not held to a tolerance: PayPal documents
// none, and its retries over three days must still verify. Replays are
// stopped by deduplication on the event id.
type PayPal struct {
	Certs CertificateSource
}

// CertificateSource returns the verified signing certificate at certURL.
type CertificateSource interface {
	Certificate(ctx context.Context, certURL string) (*x509.Certificate, error)
}

const (
	paypalTransmissionIDHeader   = "Paypal-Transmission-Id"
	paypalTransmissionTimeHeader = "Paypal-Transmission-Time"
	paypalTransmissionSigHeader  = "Paypal-Transmission-Sig"
	paypalCertURLHeader          = "Paypal-Cert-Url"
	paypalAuthAlgoHeader         = "Paypal-Auth-Algo"
	paypalAuthAlgo               = "SHA256withRSA"
)

func (PayPal) Name() string        { return "paypal" }
func (PayPal) Enabled(k Keys) bool { return k.PayPalWebhookID != "" }
func (PayPal) SignatureHeaders() []string {
	return []string{paypalTransmissionIDHeader, paypalTransmissionTimeHeader, paypalTransmissionSigHeader, paypalCertURLHeader, paypalAuthAlgoHeader}
}

func (p PayPal) Verify(ctx context.Context, d Delivery, keys Keys, _ time.Time) error {
	transmissionID := d.Header.Get(paypalTransmissionIDHeader)
	transmissionTime := d.Header.Get(paypalTransmissionTimeHeader)
	certURL := d.Header.Get(paypalCertURLHeader)
	if transmissionID == "" || transmissionTime == "" || certURL == "" || d.Header.Get(paypalAuthAlgoHeader) != paypalAuthAlgo {
		return ErrMissingSignature
	}
	signature, err := base64.StdEncoding.Strict().DecodeString(d.Header.Get(paypalTransmissionSigHeader))
	if err != nil || len(signature) == 0 {
		return ErrMissingSignature
	}
	if p.Certs == nil {
		return ErrVerifierUnavailable
	}
	cert, err := p.Certs.Certificate(ctx, certURL)
	if err != nil {
		if errors.Is(err, ErrVerifierUnavailable) {
			return ErrVerifierUnavailable
		}
		return ErrInvalidSignature
	}
	publicKey, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return ErrInvalidSignature
	}
	digest := sha256.Sum256(PayPalSignedContent(transmissionID, transmissionTime, keys.PayPalWebhookID, d.Body))
	if rsa.VerifyPKCS1v15(publicKey, crypto.SHA256, digest[:], signature) != nil {
		return ErrInvalidSignature
	}
	return nil
}

// PayPalSignedContent is the string PayPal signs for one delivery.
func PayPalSignedContent(transmissionID, transmissionTime, webhookID string, body []byte) []byte {
	crc := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
	return []byte(transmissionID + "|" + transmissionTime + "|" + webhookID + "|" + crc)
}

func (PayPal) Parse(d Delivery) (Envelope, error) {
	var payload struct {
		ID         string `json:"id"`
		EventType  string `json:"event_type"`
		CreateTime string `json:"create_time"`
	}
	if err := json.Unmarshal(d.Body, &payload); err != nil || payload.ID == "" || payload.EventType == "" {
		return Envelope{}, ErrMalformedPayload
	}
	return Envelope{EventID: payload.ID, EventType: payload.EventType, OccurredAt: parseRFC3339(payload.CreateTime)}, nil
}
