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
// A CRC32 is not a digest: anyone holding one genuine delivery can write
// another body with the same CRC32, and the signature headers verify it.
// So Verify also returns the transmission id, which the receiver binds to
// the body's SHA-256 on first sight; and it holds the transmission time to
// TransmissionWindow, so headers are only usable while their binding is
// certain to be kept. Each attempt, retries included, is a new transmission
// with its own id, time and signature (docs/decisions.md).
type PayPal struct {
	Certs CertificateSource
	// TransmissionWindow is how far the transmission time may be from now,
	// either way; zero means DefaultTolerance.
	TransmissionWindow time.Duration
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
	// PayPal's API specification bounds transmission ids at 50 characters.
	paypalMaxTransmissionIDBytes = 64
)

func (PayPal) Name() string        { return "paypal" }
func (PayPal) Enabled(k Keys) bool { return k.PayPalWebhookID != "" }
func (PayPal) SignatureHeaders() []string {
	return []string{paypalTransmissionIDHeader, paypalTransmissionTimeHeader, paypalTransmissionSigHeader, paypalCertURLHeader, paypalAuthAlgoHeader}
}

func (p PayPal) Verify(ctx context.Context, d Delivery, keys Keys, now time.Time) (Verified, error) {
	transmissionID := d.Header.Get(paypalTransmissionIDHeader)
	transmissionTime := d.Header.Get(paypalTransmissionTimeHeader)
	certURL := d.Header.Get(paypalCertURLHeader)
	if !wellFormedIdentifier(transmissionID, paypalMaxTransmissionIDBytes) || certURL == "" || d.Header.Get(paypalAuthAlgoHeader) != paypalAuthAlgo {
		return Verified{}, ErrMissingSignature
	}
	sentAt, err := time.Parse(time.RFC3339Nano, transmissionTime)
	if err != nil {
		return Verified{}, ErrMissingSignature
	}
	encoded := d.Header.Get(paypalTransmissionSigHeader)
	if len(encoded) > MaxSignatureHeaderBytes {
		return Verified{}, ErrMissingSignature
	}
	signature, err := base64.StdEncoding.Strict().DecodeString(encoded)
	if err != nil || len(signature) == 0 {
		return Verified{}, ErrMissingSignature
	}
	if p.Certs == nil {
		return Verified{}, ErrVerifierUnavailable
	}
	cert, err := p.Certs.Certificate(ctx, certURL)
	if err != nil {
		if errors.Is(err, ErrVerifierUnavailable) {
			return Verified{}, ErrVerifierUnavailable
		}
		return Verified{}, ErrInvalidSignature
	}
	publicKey, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return Verified{}, ErrInvalidSignature
	}
	digest := sha256.Sum256(PayPalSignedContent(transmissionID, transmissionTime, keys.PayPalWebhookID, d.Body))
	if rsa.VerifyPKCS1v15(publicKey, crypto.SHA256, digest[:], signature) != nil {
		return Verified{}, ErrInvalidSignature
	}
	if !withinTolerance(sentAt, now, toleranceOrDefault(p.TransmissionWindow)) {
		return Verified{}, ErrTimestampOutOfTolerance
	}
	return Verified{Provider: p.Name(), Transmission: transmissionID}, nil
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
	if err := json.Unmarshal(d.Body, &payload); err != nil {
		return Envelope{}, ErrMalformedPayload
	}
	return newEnvelope(payload.ID, payload.EventType, parseRFC3339(payload.CreateTime))
}
