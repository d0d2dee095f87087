package paypal

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"time"
)

// DevCertURL is where the development signer's certificate "lives".
// It is on PayPal's sandbox host so that the ordinary URL checks apply, but a
// development verifier never fetches it: DevSigner.Certs serves it directly.
const DevCertURL = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-payhook-development"

// DevSigner signs deliveries the way PayPal does, with a certificate issued
// by a CA generated on this machine. Only a verifier built by Certs trusts
// that CA; production verifiers use the system roots and refuse it.
type DevSigner struct {
	CA    *x509.Certificate
	Chain []byte // PEM: leaf, then CA
	Key   *rsa.PrivateKey
}

// NewDevSigner generates a CA and a message-verification certificate valid
// for the given span around now.
func NewDevSigner(now time.Time, validity time.Duration) (*DevSigner, error) {
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "payhook development CA (not PayPal)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	leafKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	leafTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: sandboxCertCN},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTemplate, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	chain := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})
	chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	return &DevSigner{CA: ca, Chain: chain, Key: leafKey}, nil
}

// Certs is a certificate source that trusts only this signer's CA and serves
// its chain at DevCertURL. For development servers only.
func (d *DevSigner) Certs() *Certs {
	roots := x509.NewCertPool()
	roots.AddCert(d.CA)
	return &Certs{
		Fetcher:     devFetcher{url: DevCertURL, chain: d.Chain},
		Roots:       roots,
		Hosts:       SandboxCertHosts,
		CommonNames: []string{sandboxCertCN},
	}
}

type devFetcher struct {
	url   string
	chain []byte
}

func (f devFetcher) Fetch(_ context.Context, certURL string) ([]byte, error) {
	if certURL != f.url {
		return nil, ErrCertificateNotFound
	}
	return f.chain, nil
}

// Sign returns the PAYPAL-* headers of a delivery of body to webhookID.
func (d *DevSigner) Sign(body []byte, webhookID, transmissionID string, at time.Time) (http.Header, error) {
	if transmissionID == "" {
		return nil, errors.New("transmission id required")
	}
	transmissionTime := at.UTC().Format(time.RFC3339)
	digest := sha256.Sum256(SignedContent(transmissionID, transmissionTime, webhookID, body))
	signature, err := rsa.SignPKCS1v15(rand.Reader, d.Key, crypto.SHA256, digest[:])
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(transmissionIDHeader, transmissionID)
	h.Set(transmissionTimeHeader, transmissionTime)
	h.Set(transmissionSigHeader, base64.StdEncoding.EncodeToString(signature))
	h.Set(certURLHeader, DevCertURL)
	h.Set(authAlgoHeader, authAlgo)
	return h, nil
}

// MarshalPEM encodes the signer for keeping in a development data
// directory: the CA, the chain (the leaf, then the CA again), then the
// leaf's private key. ParseDevSigner reads it back.
func (d *DevSigner) MarshalPEM() ([]byte, error) {
	key, err := x509.MarshalPKCS8PrivateKey(d.Key)
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d.CA.Raw})
	out = append(out, d.Chain...)
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})...), nil
}

// ParseDevSigner reads what MarshalPEM wrote.
func ParseDevSigner(data []byte) (*DevSigner, error) {
	var certs [][]byte
	var key *rsa.PrivateKey
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		switch block.Type {
		case "CERTIFICATE":
			certs = append(certs, block.Bytes)
		case "PRIVATE KEY":
			parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, err
			}
			rsaKey, ok := parsed.(*rsa.PrivateKey)
			if !ok {
				return nil, errors.New("development PayPal key is not RSA")
			}
			key = rsaKey
		}
	}
	if len(certs) != 3 || key == nil {
		return nil, errors.New("development PayPal signer: want CA, leaf, CA and key")
	}
	ca, err := x509.ParseCertificate(certs[0])
	if err != nil {
		return nil, err
	}
	chain := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs[1]})
	chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs[2]})...)
	return &DevSigner{CA: ca, Chain: chain, Key: key}, nil
}
