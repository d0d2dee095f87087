package paypal

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash/crc32"
	"strconv"
	"time"

	"github.com/payhook/payhook/shared/provider"
)

// Verifier checks a delivery offline, as PayPal's SDKs do: SHA256withRSA over
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
type Verifier struct {
	Certs provider.CertificateSource
	// TransmissionWindow is how far the transmission time may be from now,
	// either way; zero means provider.DefaultTolerance.
	TransmissionWindow time.Duration
}

const (
	transmissionIDHeader   = "Paypal-Transmission-Id"
	transmissionTimeHeader = "Paypal-Transmission-Time"
	transmissionSigHeader  = "Paypal-Transmission-Sig"
	certURLHeader          = "Paypal-Cert-Url"
	authAlgoHeader         = "Paypal-Auth-Algo"
	authAlgo               = "SHA256withRSA"
	// PayPal's API specification bounds transmission ids at 50 characters.
	maxTransmissionIDBytes = 64
)

func (Verifier) SignatureHeaders() []string {
	return []string{transmissionIDHeader, transmissionTimeHeader, transmissionSigHeader, certURLHeader, authAlgoHeader}
}

func (p Verifier) Verify(ctx context.Context, d provider.Delivery, keys provider.Keys, now time.Time) (provider.Verified, error) {
	transmissionID := d.Header.Get(transmissionIDHeader)
	transmissionTime := d.Header.Get(transmissionTimeHeader)
	certURL := d.Header.Get(certURLHeader)
	if !provider.WellFormedIdentifier(transmissionID, maxTransmissionIDBytes) || certURL == "" || d.Header.Get(authAlgoHeader) != authAlgo {
		return provider.Verified{}, provider.ErrMissingSignature
	}
	sentAt, err := time.Parse(time.RFC3339Nano, transmissionTime)
	if err != nil {
		return provider.Verified{}, provider.ErrMissingSignature
	}
	encoded := d.Header.Get(transmissionSigHeader)
	if len(encoded) > provider.MaxSignatureHeaderBytes {
		return provider.Verified{}, provider.ErrMissingSignature
	}
	signature, err := base64.StdEncoding.Strict().DecodeString(encoded)
	if err != nil || len(signature) == 0 {
		return provider.Verified{}, provider.ErrMissingSignature
	}
	if p.Certs == nil {
		return provider.Verified{}, provider.ErrVerifierUnavailable
	}
	cert, err := p.Certs.Certificate(ctx, certURL)
	if err != nil {
		if errors.Is(err, provider.ErrVerifierUnavailable) {
			return provider.Verified{}, provider.ErrVerifierUnavailable
		}
		return provider.Verified{}, provider.ErrInvalidSignature
	}
	publicKey, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return provider.Verified{}, provider.ErrInvalidSignature
	}
	digest := sha256.Sum256(SignedContent(transmissionID, transmissionTime, keys.Value(WebhookID), d.Body))
	if rsa.VerifyPKCS1v15(publicKey, crypto.SHA256, digest[:], signature) != nil {
		return provider.Verified{}, provider.ErrInvalidSignature
	}
	if !provider.WithinTolerance(sentAt, now, p.TransmissionWindow) {
		return provider.Verified{}, provider.ErrTimestampOutOfTolerance
	}
	return provider.Verified{Provider: Name, Transmission: transmissionID}, nil
}

// SignedContent is the string PayPal signs for one delivery.
func SignedContent(transmissionID, transmissionTime, webhookID string, body []byte) []byte {
	crc := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
	return []byte(transmissionID + "|" + transmissionTime + "|" + webhookID + "|" + crc)
}

func (Verifier) Parse(d provider.Delivery) ([]provider.Envelope, error) {
	var payload struct {
		ID         string `json:"id"`
		EventType  string `json:"event_type"`
		CreateTime string `json:"create_time"`
	}
	if err := provider.DecodeEnvelope(d.Body, &payload); err != nil {
		return nil, err
	}
	return provider.One(payload.ID, payload.EventType, provider.ParseRFC3339(payload.CreateTime), d.Body)
}
